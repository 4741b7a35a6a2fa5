/**
 * ASTRA's live data ingestion (plan 001, dataIngestion.ts), simulated: posts and comments
 * published to `posts.<platform>` with the ingestion API key. Herald scores and categorises
 * them (the namespace's pipeline), aggregates them and evaluates the alert rules.
 */

/** A social-media post or comment as the feed sees it. */
export interface Post {
  id: string;
  platform: "facebook" | "twitter";
  kind: "post" | "comment";
  author: string;
  text: string;
  /** Likes + shares + comments so far. */
  engagement: number;
}

/** Publishes feed items to Herald. */
export class Feed {
  /** @param baseUrl e.g. `http://localhost:8000` @param apiKey one of `auth.apiKeys` */
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  /** Publishes one item as event `post_update` (idempotent by the item's id). */
  async publish(post: Post): Promise<void> {
    const res = await fetch(`${this.baseUrl}/api/publish`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ topic: `posts.${post.platform}`, event: "post_update", id: post.id, data: post }),
    });
    if (!res.ok) throw new Error(`publish ${post.id}: ${res.status} ${await res.text()}`);
  }
}

const POSITIVE = [
  "Great debate tonight, the minister was clear and convincing",
  "Love the new jobs plan, wonderful news for families",
  "Excellent budget, fair taxes and a strong economy",
];
const NEGATIVE = [
  "Terrible vote in the senate, a disgraceful betrayal",
  "Prices keep rising, this inflation is awful and hurting everyone",
  "The election campaign is full of lies and fraud",
];

/** A deterministic item: `mood` picks the text, `viral` pushes engagement past 10,000. */
export function samplePost(n: number, mood: "positive" | "negative", viral = false): Post {
  const texts = mood === "positive" ? POSITIVE : NEGATIVE;
  return {
    id: `sim-${mood}-${n}`,
    platform: n % 2 === 0 ? "facebook" : "twitter",
    kind: n % 3 === 0 ? "comment" : "post",
    author: `account-${n % 17}`,
    text: texts[n % texts.length] as string,
    engagement: viral ? 12_000 + n : 50 + ((n * 37) % 400),
  };
}
