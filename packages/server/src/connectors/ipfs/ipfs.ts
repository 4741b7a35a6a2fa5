/**
 * IPFS pubsub connector (`type: "ipfs"`): announcements of content by CID on a pubsub topic
 * (Lodestar's `lodestar.new_content`) become events carrying that content.
 *
 * For each announcement: read the CID → fetch the block (Kubo RPC or a trustless gateway) with
 * a size cap and a timeout → check the bytes against the CID → read the signed document →
 * offer it with the crawler's `publisher`, `kid` and `sig`, where the verify stage checks the
 * signature and the dedup stage drops content seen before. The event id is the CID (template
 * `{cid}`), so the same announcement twice is one event. Anything refused on the way (bad
 * announcement, unknown or unreachable content, oversized, mismatching bytes) is dead-lettered
 * with its reason and never reaches a subscriber.
 *
 * Pubsub keeps nothing for a subscriber that was away: there is no checkpoint and no replay.
 * Delivery from the network is at most once; from the connector on, at least once.
 */
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { create as createKubo, type KuboRPCClient } from "kubo-rpc-client";
import { ConfigError } from "../../config-error.js";
import type { ConnectorConfig } from "../connector-config.js";
import { checkOptions } from "../options.js";
import { type ConnectorDeps, SourceConnector, type SourceMessage, StoppedError } from "../source.js";
import { announcedCid, blockContent, ContentError, parseDocument, verifyBlock } from "./content.js";
import { type BlockFetcher, GatewayBlockFetcher, KuboBlockFetcher } from "./fetcher.js";
import type { PubsubPeer } from "./libp2p-node.js";

/** `options` of an `ipfs` connector. */
export interface IpfsOptions {
  /** `kubo`: subscribe through a Kubo node's RPC API; `embedded`: run a libp2p gossipsub peer. */
  mode: "kubo" | "embedded";
  /** The pubsub topic. @default "lodestar.new_content" */
  topic: string;
  /** Kubo RPC address, e.g. `http://127.0.0.1:5001` (needed in `kubo` mode; also fetches blocks). */
  kuboUrl?: string;
  /** Trustless gateway to fetch blocks from, e.g. `http://127.0.0.1:8080`; default: the Kubo RPC. */
  gateway?: string;
  /** Embedded mode: multiaddrs to listen on. @default ["/ip4/0.0.0.0/tcp/4005"] */
  listen: string[];
  /** Embedded mode: peers to dial and keep dialling (multiaddrs with /p2p/<id>). @default [] */
  peers: string[];
  /** Largest block fetched. @default 1048576 */
  maxContentBytes: number;
  /** Announcements fetched at once. @default 10 */
  maxConcurrent: number;
  /** Announcements waiting to be fetched; beyond it a new one is dead-lettered at once. @default 1000 */
  maxQueued: number;
  /** How long fetching one block may take. @default 10000 */
  fetchTimeoutMs: number;
  /** How often the subscription (gone after a Kubo restart) and embedded peers are checked. @default 5000 */
  checkIntervalMs: number;
}

const schema = {
  type: "object",
  additionalProperties: false,
  required: ["mode"],
  properties: {
    mode: { enum: ["kubo", "embedded"] },
    topic: { type: "string", minLength: 1, default: "lodestar.new_content" },
    kuboUrl: { type: "string", pattern: "^https?://" },
    gateway: { type: "string", pattern: "^https?://" },
    listen: { type: "array", items: { type: "string", minLength: 1 }, default: ["/ip4/0.0.0.0/tcp/4005"] },
    peers: { type: "array", items: { type: "string", minLength: 1 }, default: [] },
    maxContentBytes: { type: "integer", minimum: 1, default: 1_048_576 },
    maxConcurrent: { type: "integer", minimum: 1, default: 10 },
    maxQueued: { type: "integer", minimum: 1, default: 1000 },
    fetchTimeoutMs: { type: "integer", minimum: 1, default: 10_000 },
    checkIntervalMs: { type: "integer", minimum: 10, default: 5000 },
  },
};

interface Announcement {
  data: Uint8Array;
  from?: string;
}

export class IpfsConnector extends SourceConnector {
  readonly type = "ipfs";
  private readonly options: IpfsOptions;
  private readonly waiting: Announcement[] = [];
  /** Per publishing peer, the last announcement's turn: offers keep the order announcements came in. */
  private readonly turns = new Map<string, Promise<unknown>>();
  private fetching = 0;
  private kubo: KuboRPCClient | undefined;
  private fetcher: BlockFetcher | undefined;
  private peer: PubsubPeer | undefined;
  private subscription: AbortController | undefined;
  private checkTimer: NodeJS.Timeout | undefined;

  constructor(config: ConnectorConfig, deps: ConnectorDeps) {
    // Defaults of this type: the event is `content_update` and its id the CID.
    const own = {
      ...config,
      event: config.event === "message" ? "content_update" : config.event,
      id: config.id ?? "{cid}",
    };
    super(own, deps, "content.new");
    this.options = checkOptions<IpfsOptions>(config.name, schema, config.options);
    if (this.options.mode === "kubo" && !this.options.kuboUrl) {
      throw new ConfigError([`connector "${config.name}": options.kuboUrl is needed in mode "kubo"`]);
    }
    if (this.options.mode === "embedded" && !this.options.kuboUrl && !this.options.gateway) {
      throw new ConfigError([`connector "${config.name}": mode "embedded" needs options.gateway or options.kuboUrl`]);
    }
  }

  /** The embedded peer (for tests and /api/info): its id and addresses. */
  embeddedPeer(): { peerId: string; addresses: string[] } | undefined {
    return this.peer ? { peerId: this.peer.peerId, addresses: this.peer.addresses } : undefined;
  }

  protected async connect(): Promise<void> {
    if (this.options.kuboUrl && !this.kubo) {
      // kubo-rpc-client's default agent has 6 sockets, one of them held by the pubsub stream:
      // give every concurrent fetch (two RPC calls each) a socket of its own.
      const AgentClass = this.options.kuboUrl.startsWith("https:") ? HttpsAgent : HttpAgent;
      const agent = new AgentClass({ keepAlive: true, maxSockets: this.options.maxConcurrent * 2 + 2 });
      this.kubo = createKubo({ url: this.options.kuboUrl, agent });
    }
    this.fetcher ??= this.options.gateway
      ? new GatewayBlockFetcher(this.options.gateway)
      : new KuboBlockFetcher(this.kubo as KuboRPCClient);
    if (this.options.mode === "embedded") {
      const { startPubsubPeer } = await import("./libp2p-node.js");
      this.peer = await startPubsubPeer(this.options.listen);
      this.peer.subscribe(this.options.topic, (m) => this.receive(m.from === undefined ? { data: m.data } : m));
      await this.dialPeers();
    } else {
      await this.subscribeKubo();
    }
    this.checkTimer = setInterval(() => void this.check(), this.options.checkIntervalMs);
    this.checkTimer.unref();
  }

  protected async disconnect(): Promise<void> {
    clearInterval(this.checkTimer);
    this.subscription?.abort();
    this.subscription = undefined;
    await this.peer?.stop().catch(() => {});
    this.peer = undefined;
  }

  private async subscribeKubo(): Promise<void> {
    const kubo = this.kubo as KuboRPCClient;
    const subscription = new AbortController();
    this.subscription = subscription;
    await kubo.pubsub.subscribe(
      this.options.topic,
      (m) => {
        const from = "from" in m && m.from !== undefined ? m.from.toString() : undefined;
        this.receive(from === undefined ? { data: m.data } : { data: m.data, from });
      },
      {
        signal: subscription.signal,
        onError: (err) => {
          if (!subscription.signal.aborted) this.lost(err);
        },
      },
    );
  }

  /** Notices what was lost: the Kubo subscription (gone after a Kubo restart); re-dials embedded peers. */
  private async check(): Promise<void> {
    if (this.stopped) return;
    try {
      if (this.options.mode === "kubo") {
        const checked = this.subscription;
        const topics = await (this.kubo as KuboRPCClient).pubsub.ls({
          signal: AbortSignal.timeout(this.options.fetchTimeoutMs),
        });
        // A check that overlapped a resubscription says nothing about the new subscription.
        if (checked !== this.subscription || checked === undefined || checked.signal.aborted) return;
        if (!topics.includes(this.options.topic)) this.lost(new Error("the Kubo node no longer has the subscription"));
      } else {
        await this.dialPeers();
      }
    } catch (err) {
      this.lost(err);
    }
  }

  private async dialPeers(): Promise<void> {
    const peer = this.peer;
    if (!peer || peer.topicPeers(this.options.topic) > 0) return;
    for (const address of this.options.peers) {
      await peer.dial(address).catch((err) => this.log.warn({ address, err: String(err) }, "dial failed"));
    }
  }

  private receive(a: Announcement): void {
    if (this.stopped) return;
    if (this.waiting.length >= this.options.maxQueued) {
      const reason = `more than ${this.options.maxQueued} announcements waiting`;
      void this.refuse(a, undefined, "rate_limited", reason).catch(() => {});
      return;
    }
    this.waiting.push(a);
    this.pump();
  }

  private pump(): void {
    // Fetches run in parallel, but never more than the offers the connector may have in flight.
    const limit = Math.min(this.options.maxConcurrent, this.config.maxInFlight);
    while (this.fetching < limit && this.waiting.length > 0) {
      const next = this.waiting.shift() as Announcement;
      this.fetching++;
      void this.handle(next)
        .catch((err) => {
          if (!(err instanceof StoppedError)) this.log.error({ err: String(err) }, "announcement not handled");
        })
        .finally(() => {
          this.fetching--;
          this.setLag(this.waiting.length + this.fetching);
          this.pump();
        });
    }
  }

  private message(a: Announcement, cid: string | undefined, data: unknown): SourceMessage {
    return { key: a.from ?? "anonymous", data, fields: { cid: cid ?? "", from: a.from ?? "" } };
  }

  /** Dead-letters an announcement (its id is the CID when it had one, else a fresh one). */
  private async refuse(a: Announcement, cid: string | undefined, code: string, reason: string): Promise<void> {
    const data = { announcement: new TextDecoder().decode(a.data).slice(0, 1024), from: a.from ?? null };
    await this.deadLetter(this.message(a, cid, data), { stage: "fetch", code, reason });
  }

  private async handle(a: Announcement): Promise<void> {
    const key = a.from ?? "anonymous";
    const fetched = this.fetch(a);
    const turn = (this.turns.get(key) ?? Promise.resolve()).then(() => fetched);
    this.turns.set(key, turn);
    const outcome = await turn;
    if (this.turns.get(key) === turn) this.turns.delete(key);
    if (this.stopped) return;
    // Called in announcement order (the turns above), so the offers queue up in that order.
    if ("refusal" in outcome) await this.refuse(a, outcome.cid, outcome.refusal.code, outcome.refusal.message);
    else await this.offer(outcome.message);
  }

  /** Fetches, checks and reads announced content; never rejects. */
  private async fetch(a: Announcement): Promise<{ message: SourceMessage } | { refusal: ContentError; cid?: string }> {
    let cid: string | undefined;
    try {
      const parsed = announcedCid(a.data);
      cid = parsed.toString();
      const signal = AbortSignal.timeout(this.options.fetchTimeoutMs);
      const bytes = await (this.fetcher as BlockFetcher).get(parsed, this.options.maxContentBytes, signal);
      await verifyBlock(parsed, bytes);
      const doc = parseDocument(blockContent(parsed, bytes));
      const message = this.message(a, cid, doc.data);
      const provenance: NonNullable<SourceMessage["provenance"]> = {};
      if (doc.sig !== undefined) provenance.sig = doc.sig;
      if (doc.publisher !== undefined) provenance.publisher = doc.publisher;
      if (doc.kid !== undefined) provenance.kid = doc.kid;
      message.provenance = provenance;
      return { message };
    } catch (err) {
      const refusal = err instanceof ContentError ? err : new ContentError("content_unavailable", String(err));
      return cid === undefined ? { refusal } : { refusal, cid };
    }
  }
}

/** Builds an `ipfs` connector. */
export function createIpfsConnector(config: ConnectorConfig, deps: ConnectorDeps): IpfsConnector {
  return new IpfsConnector(config, deps);
}
