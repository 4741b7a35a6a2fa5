/**
 * Lodestar's side, simulated: an IPFS node and a volunteer crawler. No Kubo daemon can run here,
 * so the IPFS node is a local peer faithful to the Kubo RPC the gateway's `ipfs` connector uses
 * (`packages/server/test/peers/kubo-peer.ts`: ndjson `pubsub/sub`, `block/stat`, `block/get`),
 * backed by a real js-libp2p gossipsub node; the crawler is another real libp2p peer. The crawler
 * adds its signed document to the node (as `ipfs add` would) and announces the CID on the
 * pubsub topic `lodestar.new_content`, as the plan's crawlers do.
 *
 * The crawler's key below is a development key: its public half is in herald.yaml
 * (`publisherKeys`). A real crawler keeps its private key to itself.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import canonicalize from "canonicalize";
import { type PubsubPeer, startPubsubPeer } from "../../packages/server/src/connectors/ipfs/libp2p-node.js";
import { KuboPeer } from "../../packages/server/test/peers/kubo-peer.js";

export const PUBSUB_TOPIC = "lodestar.new_content";
export const CRAWLER = { publisher: "crawler-7", kid: "k1" };
const DEV_KEY = createPrivateKey({
  format: "jwk",
  key: {
    kty: "OKP",
    crv: "Ed25519",
    d: "cOAQQ_QKvcLmLYJw1iOi1F7nNV9g9b1Zq6Ai7XU3jHw",
    x: "qrvE8-DCS-wsdwnks1X__hhQsoZRFztfaLHNMwfiQGc",
  },
});

/** One crawled item, as the plan's `content_update` carries it (before categorisation). */
export interface Crawled {
  id: string;
  type: "tweet" | "video" | "article";
  title: string;
  summary: string;
  source: string;
  timestamp: string;
}

/** How an announced document is signed: by the crawler, by someone else's key, or not at all. */
export type Signing = "crawler" | "forged" | "unsigned";

export class LodestarNetwork {
  readonly kubo = new KuboPeer();
  private crawler!: PubsubPeer;
  private readonly forger: KeyObject = generateKeyPairSync("ed25519").privateKey;
  /** The Kubo RPC address the gateway's connector reads. */
  rpc = "";

  async start(): Promise<void> {
    ({ rpc: this.rpc } = await this.kubo.start());
    this.crawler = await startPubsubPeer();
    this.crawler.subscribe(PUBSUB_TOPIC, () => {});
    await this.kubo.node.dial(this.crawler.addresses[0] as string);
  }

  /** True once the gateway's subscription is known to the crawler (its announcements will arrive). */
  get listening(): boolean {
    return this.crawler.topicPeers(PUBSUB_TOPIC) > 0;
  }

  /**
   * Adds the crawler's document to the IPFS node and announces its CID; returns the CID. The
   * signature covers what the gateway's verify stage checks: the RFC 8785 JSON of
   * `{topic, event, data, publisher, kid}` on the connector's topic.
   */
  async announce(item: Crawled, signing: Signing = "crawler"): Promise<string> {
    const envelope = { topic: "content.new", event: "content_update", data: item, ...CRAWLER };
    const doc: Record<string, unknown> = { content: item, ...CRAWLER };
    if (signing !== "unsigned") {
      const key = signing === "crawler" ? DEV_KEY : this.forger;
      doc.sig = sign(null, Buffer.from(canonicalize(envelope) as string), key).toString("base64");
    }
    const cid = (await this.kubo.putRaw(Buffer.from(JSON.stringify(doc)))).toString();
    await this.crawler.publish(PUBSUB_TOPIC, Buffer.from(JSON.stringify({ ipfs_hash: cid })));
    return cid;
  }

  async stop(): Promise<void> {
    await this.crawler.stop();
    await this.kubo.close();
  }
}

const SAMPLES: Array<Omit<Crawled, "id" | "timestamp">> = [
  {
    type: "article",
    title: "Senate passes the budget",
    summary: "The election-year budget vote.",
    source: "trusted_news",
  },
  {
    type: "tweet",
    title: "Inflation cools in March",
    summary: "Prices rose less than expected.",
    source: "trusted_news",
  },
  {
    type: "video",
    title: "New vaccine trial results",
    summary: "A health ministry briefing.",
    source: "community_blog",
  },
  { type: "article", title: "Chip makers expand", summary: "A new AI chip factory opens.", source: "tech_wire" },
  {
    type: "tweet",
    title: "Minister resigns",
    summary: "Parliament reacts to the resignation.",
    source: "community_blog",
  },
];

/** The n-th sample item (ids unique per run). */
export function sample(n: number, run = Date.now().toString(36)): Crawled {
  const s = SAMPLES[n % SAMPLES.length] as (typeof SAMPLES)[number];
  return { ...s, id: `lodestar-${run}-${n}`, timestamp: new Date().toISOString() };
}
