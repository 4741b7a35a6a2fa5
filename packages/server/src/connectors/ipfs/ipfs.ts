/**
 * IPFS pubsub connector: announcements of content by CID on a pubsub topic (Lodestar's
 * `lodestar.new_content`) become events carrying that content.
 *
 * For each announcement: read the CID → fetch the block (Kubo RPC or a trustless gateway) with
 * a size cap and a timeout → check the bytes against the CID → read the signed document →
 * offer it to the publish path with the crawler's `publisher`, `kid` and `sig`, where the verify
 * stage checks the signature and the dedup stage drops content seen before. The event id is the
 * CID, so the same announcement twice is one event. Anything refused on the way (bad
 * announcement, unknown or unreachable content, oversized, mismatching bytes) is dead-lettered
 * with its reason and never reaches a subscriber.
 *
 * Pubsub keeps nothing for a subscriber that was away: there is no checkpoint and no replay.
 * Delivery from the network is at most once; from the connector on, at least once.
 */
import { create as createKubo, type KuboRPCClient } from "kubo-rpc-client";
import type { IngestRequest } from "../../pipeline/ingest.js";
import type { Connector, ConnectorContext, ConnectorHealth, ConnectorState } from "../connector.js";
import { announcedCid, blockContent, ContentError, parseDocument, verifyBlock } from "./content.js";
import { type BlockFetcher, GatewayBlockFetcher, KuboBlockFetcher } from "./fetcher.js";
import type { PubsubPeer } from "./libp2p-node.js";

export interface IpfsOptions {
  /** `kubo`: subscribe through a Kubo node's RPC API; `embedded`: run a libp2p gossipsub peer. */
  mode: "kubo" | "embedded";
  /** The pubsub topic. @default "lodestar.new_content" */
  topic?: string;
  /** Kubo RPC address, e.g. `http://127.0.0.1:5001` (needed in `kubo` mode; also fetches blocks). */
  kuboUrl?: string;
  /** Trustless gateway to fetch blocks from, e.g. `http://127.0.0.1:8080`; default: the Kubo RPC. */
  gateway?: string;
  /** Embedded mode: multiaddrs to listen on. @default ["/ip4/0.0.0.0/tcp/4005"] */
  listen?: string[];
  /** Embedded mode: peers to dial and keep dialling (multiaddrs with /p2p/<id>). */
  peers?: string[];
  /** Herald topic of the events. @default "content.new" */
  eventTopic?: string;
  /** Event name. @default "content_update" */
  event?: string;
  /** Largest block fetched. @default 1048576 */
  maxContentBytes?: number;
  /** Announcements processed at once. @default 10 */
  maxConcurrent?: number;
  /** Announcements waiting; beyond it a new one is dead-lettered at once. @default 1000 */
  maxQueued?: number;
  /** How long fetching one block may take. @default 10000 */
  fetchTimeoutMs?: number;
  /** How often the subscription and peers are checked (and restored). @default 5000 */
  checkIntervalMs?: number;
  /** Retry delays for a publish path that is unavailable. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** @default true */
  required?: boolean;
}

interface Announcement {
  data: Uint8Array;
  from?: string;
}

export class IpfsConnector implements Connector {
  readonly type = "ipfs";
  readonly required: boolean;
  private readonly topic: string;
  private readonly eventTopic: string;
  private readonly eventName: string;
  private readonly maxBytes: number;
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;
  private readonly fetchTimeoutMs: number;
  private readonly checkIntervalMs: number;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private context: ConnectorContext | undefined;
  private state: ConnectorState = "stopped";
  private counters = { received: 0, accepted: 0, rejected: 0, reconnects: 0 };
  private lastError: string | undefined;
  private readonly queue: Announcement[] = [];
  private active = 0;
  private idle: Array<() => void> = [];
  private kubo: KuboRPCClient | undefined;
  private peer: PubsubPeer | undefined;
  private fetcher: BlockFetcher | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private subscription: AbortController | undefined;
  private stopping = new AbortController();

  constructor(
    readonly name: string,
    private readonly options: IpfsOptions,
  ) {
    if (options.mode === "kubo" && !options.kuboUrl) {
      throw new ContentError("bad_request", `connector "${name}": mode "kubo" needs kuboUrl`);
    }
    if (options.mode === "embedded" && !options.kuboUrl && !options.gateway) {
      throw new ContentError(
        "bad_request",
        `connector "${name}": mode "embedded" needs gateway or kuboUrl to fetch content`,
      );
    }
    this.required = options.required ?? true;
    this.topic = options.topic ?? "lodestar.new_content";
    this.eventTopic = options.eventTopic ?? "content.new";
    this.eventName = options.event ?? "content_update";
    this.maxBytes = options.maxContentBytes ?? 1_048_576;
    this.maxConcurrent = options.maxConcurrent ?? 10;
    this.maxQueued = options.maxQueued ?? 1000;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 10_000;
    this.checkIntervalMs = options.checkIntervalMs ?? 5000;
    this.initialMs = options.backoff?.initialMs ?? 500;
    this.maxMs = options.backoff?.maxMs ?? 30_000;
  }

  async start(context: ConnectorContext): Promise<void> {
    if (this.state !== "stopped") return;
    this.context = context;
    this.stopping = new AbortController();
    context.signal.addEventListener("abort", () => this.stopping.abort(), { once: true });
    this.state = "starting";
    if (this.options.kuboUrl) this.kubo = createKubo({ url: this.options.kuboUrl });
    this.fetcher = this.options.gateway
      ? new GatewayBlockFetcher(this.options.gateway)
      : new KuboBlockFetcher(this.kubo as KuboRPCClient);
    if (this.options.mode === "embedded") {
      const { startPubsubPeer } = await import("./libp2p-node.js");
      this.peer = await startPubsubPeer(this.options.listen ?? ["/ip4/0.0.0.0/tcp/4005"]);
      this.peer.subscribe(this.topic, (m) => this.receive(m.from === undefined ? { data: m.data } : m));
      await this.dialPeers();
      this.state = "running";
    } else {
      await this.subscribeKubo().catch((err) => this.lost(err));
    }
    this.checkTimer = setInterval(() => void this.check(), this.checkIntervalMs);
    this.checkTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.state === "stopped") return;
    this.stopping.abort();
    clearInterval(this.checkTimer);
    this.subscription?.abort();
    this.queue.length = 0;
    while (this.active > 0) await new Promise<void>((r) => this.idle.push(r));
    await this.peer?.stop();
    this.peer = undefined;
    this.state = "stopped";
  }

  health(): ConnectorHealth {
    const h: ConnectorHealth = { state: this.state, ...this.counters, lag: this.queue.length + this.active };
    if (this.lastError !== undefined) h.lastError = this.lastError;
    return h;
  }

  /** The embedded peer (for tests and /api/info): its id and addresses. */
  embeddedPeer(): { peerId: string; addresses: string[] } | undefined {
    return this.peer ? { peerId: this.peer.peerId, addresses: this.peer.addresses } : undefined;
  }

  private async subscribeKubo(): Promise<void> {
    const kubo = this.kubo as KuboRPCClient;
    this.subscription?.abort();
    const subscription = new AbortController();
    this.subscription = subscription;
    await kubo.pubsub.subscribe(
      this.topic,
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
    this.state = "running";
    this.lastError = undefined;
  }

  private lost(err: unknown): void {
    if (this.stopping.signal.aborted) return;
    this.state = "reconnecting";
    this.lastError = err instanceof Error ? err.message : String(err);
  }

  /** Restores what was lost: the Kubo subscription (gone after a Kubo restart) or embedded peers. */
  private async check(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    try {
      if (this.kubo && this.options.mode === "kubo") {
        const topics = await this.kubo.pubsub.ls({ signal: AbortSignal.timeout(this.fetchTimeoutMs) });
        if (this.state !== "running" || !topics.includes(this.topic)) {
          this.counters.reconnects++;
          await this.subscribeKubo();
        }
      } else if (this.peer) {
        await this.dialPeers();
      }
    } catch (err) {
      this.lost(err);
    }
  }

  private async dialPeers(): Promise<void> {
    const peer = this.peer as PubsubPeer;
    for (const address of this.options.peers ?? []) {
      const id = address.split("/p2p/")[1];
      if (id !== undefined && peer.connections() > 0 && peer.topicPeers(this.topic) > 0) continue;
      await peer.dial(address).catch((err) => {
        this.lastError = `dial ${address}: ${err instanceof Error ? err.message : String(err)}`;
      });
    }
  }

  private receive(announcement: Announcement): void {
    if (this.stopping.signal.aborted) return;
    this.counters.received++;
    if (this.queue.length >= this.maxQueued) {
      void this.refuse(announcement, undefined, "rate_limited", `more than ${this.maxQueued} announcements waiting`);
      return;
    }
    this.queue.push(announcement);
    this.pump();
  }

  private pump(): void {
    while (this.active < this.maxConcurrent && this.queue.length > 0) {
      const next = this.queue.shift() as Announcement;
      this.active++;
      void this.handle(next).finally(() => {
        this.active--;
        if (this.active === 0) for (const r of this.idle.splice(0)) r();
        this.pump();
      });
    }
  }

  private async refuse(a: Announcement, cid: string | undefined, code: string, reason: string): Promise<void> {
    const context = this.context as ConnectorContext;
    const request: IngestRequest = {
      topic: this.eventTopic,
      event: this.eventName,
      data: { announcement: new TextDecoder().decode(a.data).slice(0, 1024), from: a.from ?? null },
      source: this.name,
    };
    if (cid !== undefined) request.id = cid;
    this.counters.rejected++;
    await context.sink.reject(request, { stage: "fetch", code, reason }).catch((err) => {
      this.lastError = `dead letter not kept: ${err instanceof Error ? err.message : String(err)}`;
    });
  }

  private async handle(a: Announcement): Promise<void> {
    const context = this.context as ConnectorContext;
    let cidText: string | undefined;
    let request: IngestRequest;
    try {
      const cid = announcedCid(a.data);
      cidText = cid.toString();
      const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.fetchTimeoutMs)]);
      const bytes = await (this.fetcher as BlockFetcher).get(cid, this.maxBytes, signal);
      await verifyBlock(cid, bytes);
      const doc = parseDocument(blockContent(cid, bytes));
      request = { id: cidText, topic: this.eventTopic, event: this.eventName, data: doc.data, source: this.name };
      if (doc.sig !== undefined) request.sig = doc.sig;
      if (doc.publisher !== undefined) request.publisher = doc.publisher;
      if (doc.kid !== undefined) request.kid = doc.kid;
    } catch (err) {
      if (this.stopping.signal.aborted) return;
      const e = err instanceof ContentError ? err : new ContentError("content_unavailable", String(err));
      await this.refuse(a, cidText, e.code, e.message);
      return;
    }
    for (let attempt = 0; !this.stopping.signal.aborted; attempt++) {
      try {
        const result = await context.sink.offer(request);
        if (result.status === "dead-lettered") this.counters.rejected++;
        else this.counters.accepted++;
        return;
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err);
        await new Promise((r) => setTimeout(r, Math.min(this.maxMs, this.initialMs * 2 ** attempt)));
      }
    }
  }
}
