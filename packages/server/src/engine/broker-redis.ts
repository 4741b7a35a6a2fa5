/**
 * The Redis broker: N gateway nodes share sequencing, history and fan-out through one Redis.
 *
 * - Publishes are sequenced by one Lua script (`redis-scripts.ts` `PUBLISH`, the publishes of an
 *   event-loop turn in one call): seq, offset, history append, stream-log append, idempotency
 *   record (for ids the publisher gave) and PUBLISH happen atomically, so nodes never reorder a
 *   topic.
 * - Fan-out is ONE pub/sub channel per key prefix carrying the already-serialised frames, one
 *   message per script call: `<stream epoch> <first offset>`, then each new event's frame on a
 *   line of its own (the call's offsets are consecutive). Every node receives every event
 *   (bandwidth grows with nodes × events, not with subscribers); in exchange no node tracks
 *   remote interest, the frame is never re-serialised, and offsets on the channel are
 *   contiguous, so a node detects any lost message and catches up from the stream log (after a
 *   pub/sub reconnect, `CLIENT KILL`, a slow read).
 * - When Redis lost the data (restart without persistence, flush), epochs are regenerated, so a
 *   client resuming from an old position is told `recovered: false`; the node also calls its
 *   `onReset` listeners so live connections are asked to reconnect and resubscribe.
 * - Redis down: the command connection has no offline queue and no retries, so a publish fails
 *   at once with `unavailable` (never acknowledged, then lost); `ready` is false until both
 *   connections are back and the node has caught up.
 * - Redis stalled (connections open, nothing answered): a health probe (`TIME`, every
 *   `healthCheckMs / 2`) that gets no answer within `healthCheckMs` marks the node not ready, and
 *   requests fail at once with `unavailable`. A publish already sent carries a deadline (in
 *   Redis time, from the clock offset the probe measures): a script that runs after it does
 *   nothing, so a publish answered `unavailable` never happens later.
 * - Redis came back behind what nodes saw (a replica promoted before it got the last writes,
 *   behind `engine.sentinels`; a restart from an older snapshot): every publish call and every
 *   catch-up carries this node's high-water offset, and the scripts fence such a stream (new
 *   stream epoch, new topic epochs) before sequencing anything more, so no seq is handed out
 *   twice under one epoch and resuming clients learn `recovered: false`.
 * - Durable namespaces (`durable` hooks, `durable-redis.ts`): their events are also queued for the
 *   store in the same script, and a publish is answered once the store holds it; a durable topic
 *   Redis does not know is seeded from the store before it is published to or read.
 * - Publishing needs only the command connection: while the pub/sub connection reconnects,
 *   publishes are accepted and this node's own subscribers get them from the log on catch-up.
 */
import { randomUUID } from "node:crypto";
import { HeraldError, type HeraldEvent, type StreamPosition, type TopicPosition, topicMatches } from "@herald/protocol";
import type { Redis, RedisOptions } from "ioredis";
import type { IdempotencyConfig, RecoveryConfig } from "../config-types.js";
import type { Namespaces } from "../hub/namespaces.js";
import type { NamespaceConfig } from "../namespace-config.js";
import type {
  Broker,
  EventListener,
  HistoryPage,
  HistoryQuery,
  PublishOutcome,
  PublishRequest,
  Recovery,
} from "./broker.js";
import { frameToEvent, provenanceFields, sequencedEvent, unconfirmedError } from "./broker.js";
import { newEpoch } from "./broker-memory.js";
import type { DurableHooks } from "./durable-redis.js";
import type { RedisConnection } from "./redis-connection.js";
import { openRedis, type RedisTarget } from "./redis-open.js";
import { PUBLISH, READ_STREAM, READ_TOPIC } from "./redis-scripts.js";

export interface RedisBrokerOptions {
  namespaces: Namespaces;
  recovery: RecoveryConfig;
  idempotency: IdempotencyConfig;
  /** @default "redis://127.0.0.1:6379" */
  url?: string;
  /** Sentinels (`host:port`) naming the master of `sentinelName`; the connections follow a failover. */
  sentinels?: readonly string[];
  /** @default "mymaster" */
  sentinelName?: string;
  /** Prefix of every key and channel; nodes acting as one share it. @default "herald" */
  keyPrefix?: string;
  /** Milliseconds a Redis command may take before it fails with `unavailable`. @default 5000 */
  commandTimeoutMs?: number;
  /** Interval and timeout of the health probe: no answer within it marks the node not ready. @default 1000 */
  healthCheckMs?: number;
  /** How long `start` keeps trying to reach Redis. @default 10000 */
  startTimeoutMs?: number;
  /**
   * Most publishes sent to Redis in one script call (`PUBLISH`): the publishes of one event-loop
   * turn go together, each still sequenced, stored and acknowledged on its own. 1 sends one
   * script call per publish. @default 64
   */
  publishBatchMax?: number;
  /**
   * Replicas that must hold a publish before it is acknowledged (`WAIT` after each script
   * call); fewer within `ackReplicasTimeoutMs` rejects the new events of the call with
   * `unconfirmed` (they were published). @default 0
   */
  ackReplicas?: number;
  /** @default 1000 */
  ackReplicasTimeoutMs?: number;
  /** Durable namespaces: their history also goes to the store (`durable-redis.ts`). */
  durable?: DurableHooks;
}

/** A publish waiting for the batch of this event-loop turn. */
interface QueuedPublish {
  request: PublishRequest;
  id: string;
  /** The topic's namespace keeps history in the store. */
  durable: boolean;
  /** Times the topic was seeded from the store for this publish (Redis did not know it). */
  seeded: number;
  keys: [string, string];
  args: Array<string | number>;
  deadline: number;
  keyTtl: number;
  resolve(outcome: PublishOutcome): void;
  reject(error: HeraldError): void;
}

/** Entries read from the stream log per round trip while catching up or recovering. */
const CHUNK = 1000;
/** Live messages held while the node catches up from the log; more means a full resync. */
const MAX_BUFFERED = 100_000;

/** Splits an event frame around the fields the publish script fills in (seq … timestamp). */
function frameParts(req: PublishRequest, id: string): [string, string] {
  const head = `{"type":"event","topic":${JSON.stringify(req.topic)},"event":${JSON.stringify(req.event ?? "message")},"id":${JSON.stringify(id)},"seq":`;
  let tail = "";
  if (req.source !== undefined) tail += `,"source":${JSON.stringify(req.source)}`;
  if (req.sig !== undefined) tail += `,"sig":${JSON.stringify(req.sig)}`;
  tail += provenanceFields(req);
  tail += `,"data":${JSON.stringify(req.data ?? null)}}`;
  return [head, tail];
}

/**
 * How many stored events seed a durable topic's history in Redis: its history size, but none for
 * a state topic, whose document is rebuilt from its history. Its checkpoint went with Redis, and
 * the newest events alone would make a partial document look whole: it starts over instead.
 */
function seededHistory(ns: NamespaceConfig): number {
  return ns.state ? 0 : ns.history.size;
}

/** A script that ran after its deadline did nothing: the caller had already been told `unavailable`. */
function tooLate(): HeraldError {
  return new HeraldError("unavailable", "redis answered too late; the publish was not executed");
}

/** An event at the position the script answered ("seq offset timestamp epoch"), the rest from the request. */
function eventAt(req: PublishRequest, id: string, position: string): HeraldEvent {
  const [seq, offset, timestamp, epoch] = position.split(" ") as [string, string, string, string];
  return sequencedEvent(req, id, { seq: Number(seq), epoch, offset: Number(offset), timestamp: Number(timestamp) });
}

/**
 * A publish script's answer for one publish: a new event (code 0: its position; the request holds
 * the rest, as the frame does), or the event an earlier publish of the same id made (1: its frame;
 * 3: its position only, when the original is no longer in its topic's history, so its content is
 * the retry's, which a retry with the same id repeats).
 */
function outcomeOf(req: PublishRequest, id: string, code: number, text: string): PublishOutcome {
  if (code === 0) return { event: eventAt(req, id, text), duplicate: false };
  const nl = text.indexOf("\n");
  if (text.slice(0, nl) !== req.topic) {
    throw new HeraldError("conflict", `event id "${id}" was already used on another topic`);
  }
  const rest = text.slice(nl + 1);
  return { event: code === 1 ? frameToEvent(rest) : eventAt(req, id, rest), duplicate: true };
}

function unavailable(err: unknown): HeraldError {
  if (err instanceof HeraldError) return err;
  return new HeraldError("unavailable", `redis: ${(err as Error).message}`, { cause: err });
}

export class RedisBroker implements Broker, RedisConnection {
  /** Commands: no offline queue and no retries, so nothing waits on a dead connection. */
  readonly redis: Redis;
  /** Pub/sub: resubscribes by itself after a reconnect. */
  readonly sub: Redis;
  /**
   * With `ackReplicas`: the connection that waits for replicas (`WAIT` blocks its connection, so
   * it must not hold up publishes or the health probe on the command connection).
   */
  private readonly acks: Redis | undefined;
  /** Every connection of this node: commands, pub/sub, and the acks one when there is one. */
  private readonly connections: readonly Redis[];
  readonly prefix: string;
  readonly eventsChannel: string;
  private readonly listeners: EventListener[] = [];
  private readonly resetListeners: Array<() => void> = [];
  private readonly channelHandlers = new Map<string, (message: string) => void>();
  private epoch = "";
  private lastOffset = 0;
  /** Highest offset this node's publishes were acknowledged with in `epoch` (may run ahead of `lastOffset`). */
  private seen = 0;
  private synced = false;
  private catching: Promise<void> | undefined;
  private buffered: string[] | undefined;
  private closed = false;
  /** Whether the last health probe was answered in time. */
  private healthy = true;
  /** When the probe in flight was sent (undefined: none in flight). */
  private probeSentAt: number | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  /** Redis clock minus this node's clock, ms (measured by the probe): publish deadlines are in Redis time. */
  private clockOffset = 0;
  private readonly commandTimeoutMs: number;
  private readonly healthCheckMs: number;
  private readonly batchMax: number;
  private readonly ackReplicas: number;
  private readonly ackReplicasTimeoutMs: number;
  /** Whether the connections find the master through Sentinels (a stalled one is then left for a promoted replica). */
  private readonly viaSentinels: boolean;
  /** Publishes of this event-loop turn, sent together by `flush` (at most `batchMax` per call). */
  private queued: QueuedPublish[] = [];
  private flushing: NodeJS.Immediate | undefined;

  constructor(private readonly options: RedisBrokerOptions) {
    this.prefix = options.keyPrefix ?? "herald";
    this.eventsChannel = `${this.prefix}:events`;
    const url = options.url ?? "redis://127.0.0.1:6379";
    this.commandTimeoutMs = options.commandTimeoutMs ?? 5000;
    this.healthCheckMs = options.healthCheckMs ?? 1000;
    this.batchMax = Math.max(1, options.publishBatchMax ?? 64);
    this.viaSentinels = (options.sentinels?.length ?? 0) > 0;
    this.ackReplicas = options.ackReplicas ?? 0;
    this.ackReplicasTimeoutMs = options.ackReplicasTimeoutMs ?? 1000;
    const common: RedisOptions = {
      lazyConnect: true,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(50 * times, 1000),
      // A master demoted to replica (a failover while this node still held it) refuses writes
      // with READONLY before running anything: reconnect, through the Sentinels, to the new one.
      reconnectOnError: (err) => err.message.startsWith("READONLY"),
    };
    const target: RedisTarget = {
      url,
      ...(options.sentinels !== undefined && { sentinels: options.sentinels }),
      ...(options.sentinelName !== undefined && { sentinelName: options.sentinelName }),
    };
    // The command connection's options, shared by the acks connection.
    const commands: RedisOptions = {
      ...common,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: this.commandTimeoutMs,
    };
    this.redis = openRedis(target, commands);
    this.sub = openRedis(target, { ...common, maxRetriesPerRequest: null, autoResubscribe: true });
    this.acks = this.ackReplicas > 0 ? openRedis(target, commands) : undefined;
    this.connections = this.acks ? [this.redis, this.sub, this.acks] : [this.redis, this.sub];
    for (const r of this.connections) {
      // ioredis emits "error" on every failed (re)connection; the state is reported by `ready`.
      r.on("error", () => {});
      // ioredis may give a connection up ("end"), e.g. when a connection attempt through the
      // Sentinels is cut short; a node never gives up on Redis while it runs.
      r.on("end", () => {
        if (!this.closed && this.epoch !== "") setTimeout(() => this.reopen(r), 200).unref();
      });
    }
    this.sub.on("message", (channel: string, message: string) => {
      if (channel === this.eventsChannel) this.onMessage(message);
      else this.channelHandlers.get(channel)?.(message);
    });
    this.sub.on("close", () => {
      this.synced = false;
    });
    // After any reconnect, re-read what was missed; until then `ready` is false.
    this.sub.on("ready", () => {
      if (!this.closed && this.epoch !== "") this.resync();
    });
    this.redis.on("ready", () => {
      if (!this.closed && this.epoch !== "" && !this.synced) this.resync();
      this.probe();
    });
  }

  /** Both connections up, the probe answered in time, and this node caught up with the stream. */
  get ready(): boolean {
    return this.synced && this.healthy && this.redis.status === "ready" && this.sub.status === "ready";
  }

  /** Whether commands can be sent now: the command connection is up and the probe answers. */
  private get reachable(): boolean {
    return this.healthy && this.redis.status === "ready" && this.epoch !== "";
  }

  /**
   * The highest offset this node knows Redis handed out in `epoch`: delivered to its clients or
   * acknowledged to its publishers. Redis behind it lost acknowledged writes, and the scripts
   * fence the stream (a new epoch) before sequencing anything more.
   */
  private highWater(): number {
    return Math.max(this.seen, this.lastOffset);
  }

  /** Fails at once with `unavailable` when a command would only wait on a dead or stalled Redis. */
  private checkReachable(): void {
    if (!this.reachable) throw new HeraldError("unavailable", "redis is not reachable");
  }

  /**
   * One health probe: `TIME` on the command connection. A probe unanswered after
   * `healthCheckMs` marks the node unhealthy; an answer in time marks it healthy again and
   * refreshes the clock offset (midpoint of the round trip).
   */
  private probe(): void {
    if (this.closed) return;
    const sentAt = this.probeSentAt;
    if (sentAt !== undefined) {
      const waited = Date.now() - sentAt;
      if (waited > this.healthCheckMs) this.healthy = false;
      if (this.viaSentinels && waited > 2 * this.healthCheckMs) {
        // A stalled master: the Sentinels may have promoted a replica meanwhile. Reconnect
        // through them (a publish in flight is refused, and its deadline keeps it from running
        // later on the old master).
        this.probeSentAt = undefined;
        for (const r of this.connections) r.disconnect(true);
      }
      return;
    }
    if (this.redis.status !== "ready") return;
    const t0 = Date.now();
    this.probeSentAt = t0;
    this.redis.time().then(
      ([sec, usec]) => {
        const t1 = Date.now();
        this.probeSentAt = undefined;
        this.clockOffset = Number(sec) * 1000 + Math.floor(Number(usec) / 1000) - (t0 + t1) / 2;
        this.healthy = t1 - t0 <= this.healthCheckMs;
      },
      () => {
        this.probeSentAt = undefined;
        this.healthy = false;
      },
    );
  }

  /** Registers a listener called when the stream epoch changed (Redis lost the data). */
  onReset(listener: () => void): void {
    this.resetListeners.push(listener);
  }

  /**
   * Subscribes this node to another channel under the prefix (control messages, presence),
   * on the broker's pub/sub connection. Restored with the others after a reconnect.
   */
  async listen(name: string, handler: (message: string) => void): Promise<void> {
    const channel = `${this.prefix}:${name}`;
    this.channelHandlers.set(channel, handler);
    await this.sub.subscribe(channel);
  }

  /** Publishes a message on a channel under the prefix; resolves to the receiving node count. */
  async broadcastRaw(name: string, message: string): Promise<number> {
    try {
      return await this.redis.publish(`${this.prefix}:${name}`, message);
    } catch (err) {
      throw unavailable(err);
    }
  }

  async start(): Promise<void> {
    // A node may start while Redis restarts: keep trying for a while before giving up.
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 10_000);
    for (let attempt = 1; ; attempt++) {
      try {
        await Promise.all(this.connections.map((r) => this.connect(r)));
        await this.sub.subscribe(this.eventsChannel);
        break;
      } catch (err) {
        if (Date.now() >= deadline || this.closed) {
          for (const r of this.connections) r.disconnect();
          throw unavailable(err);
        }
        await new Promise((r) => setTimeout(r, Math.min(100 * attempt, 1000)));
      }
    }
    const [epoch, offset] = await this.readStream(0, 0, 0);
    this.epoch = epoch;
    this.lastOffset = offset;
    this.synced = true;
    this.probe();
    this.probeTimer = setInterval(() => this.probe(), Math.max(25, Math.floor(this.healthCheckMs / 2)));
    this.probeTimer.unref();
  }

  /** Connects a connection ioredis gave up on again (retried on its next "end"). */
  private reopen(r: Redis): void {
    if (this.closed || r.status !== "end") return;
    r.connect().catch(() => {});
  }

  /** Connects a lazy connection, or waits for it when ioredis is already (re)connecting. */
  private async connect(r: Redis): Promise<void> {
    if (r.status === "ready") return;
    if (r.status === "wait" || r.status === "end" || r.status === "close") {
      await r.connect();
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        r.off("ready", onReady);
        reject(new Error("redis connection not ready"));
      }, 2000);
      const onReady = () => {
        clearTimeout(t);
        resolve();
      };
      r.once("ready", onReady);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.synced = false;
    if (this.probeTimer !== undefined) clearInterval(this.probeTimer);
    // Publishes not sent yet are refused (never sent: nothing happened).
    if (this.flushing !== undefined) clearImmediate(this.flushing);
    this.flushing = undefined;
    for (const q of this.queued.splice(0)) q.reject(new HeraldError("unavailable", "the broker is closing"));
    for (const r of this.connections) r.disconnect();
  }

  onEvent(listener: EventListener): void {
    this.listeners.push(listener);
  }

  private key(kind: string, name: string): string {
    return `${this.prefix}:${kind}:${name}`;
  }

  /**
   * How long the publish's id is remembered (0: not at all). Only an id the publisher gave can
   * come back in a retry; one made up here is never recorded (it would cost Redis a record per event).
   */
  private idempotencyTtlMs(request: PublishRequest): number {
    const { size, ttlSeconds } = this.options.idempotency;
    return request.id !== undefined && size > 0 ? ttlSeconds * 1000 : 0;
  }

  /** How long ids of events seeded from the store are remembered (as ids publishers gave). */
  private seedIdTtlMs(): number {
    const { size, ttlSeconds } = this.options.idempotency;
    return size > 0 ? ttlSeconds * 1000 : 0;
  }

  /** How long a topic's keys live after its last publish (idle topics are forgotten). */
  private topicKeyTtlMs(historyTtlSeconds: number): number {
    return Math.max(historyTtlSeconds, this.options.recovery.streamTtlSeconds, 3600) * 1000;
  }

  /**
   * Queues a publish for this turn's script call; the first one of a turn schedules the flush,
   * and a full call (`publishBatchMax`, so every publish when it is 1) is sent at once.
   */
  async publish(request: PublishRequest): Promise<PublishOutcome> {
    this.checkReachable();
    const id = request.id ?? randomUUID();
    const ns = this.options.namespaces.of(request.topic);
    const [head, tail] = frameParts(request, id);
    const idTtl = this.idempotencyTtlMs(request);
    const keyTtl = this.topicKeyTtlMs(ns.history.ttlSeconds);
    const durable = this.options.durable !== undefined && ns.durable;
    // The store is known to be down: a durable publish is refused before anything happens.
    const down = durable ? this.options.durable?.down : undefined;
    if (down !== undefined) throw down;
    return new Promise((resolve, reject) => {
      this.enqueue({
        request,
        id,
        durable,
        seeded: 0,
        keys: [this.key("t", request.topic), this.key("h", request.topic)],
        args: [head, tail, request.topic, ns.history.size, keyTtl, idTtl, id, durable ? "1" : "0"],
        deadline: this.deadline(),
        keyTtl,
        resolve,
        reject,
      });
    });
  }

  private enqueue(q: QueuedPublish): void {
    this.queued.push(q);
    if (this.queued.length >= this.batchMax) this.flush();
    else this.flushing ??= setImmediate(() => this.flush());
  }

  /**
   * A durable topic Redis does not know: seeded from the store, then the publish is sent again
   * (nothing happened yet). A store that cannot be read refuses it.
   */
  private reseed(q: QueuedPublish, durable: DurableHooks): void {
    if (q.seeded >= 3) {
      q.reject(
        new HeraldError("unavailable", `the durable topic "${q.request.topic}" could not be seeded from the store`),
      );
      return;
    }
    q.seeded++;
    durable.seed(q.request.topic, seededHistory(this.options.namespaces.of(q.request.topic)), this.seedIdTtlMs()).then(
      () => {
        if (this.closed) {
          q.reject(new HeraldError("unavailable", "the broker is closing"));
          return;
        }
        q.deadline = this.deadline();
        this.enqueue(q);
      },
      (err) => q.reject(unavailable(err)),
    );
  }

  /** Sends what is queued, `batchMax` publishes per script call, in order (one connection: Redis runs them in order). */
  private flush(): void {
    if (this.flushing !== undefined) clearImmediate(this.flushing);
    this.flushing = undefined;
    const all = this.queued;
    this.queued = [];
    for (let i = 0; i < all.length; i += this.batchMax) void this.send(all.slice(i, i + this.batchMax));
  }

  private async send(batch: QueuedPublish[]): Promise<void> {
    const keys = [`${this.prefix}:s`, `${this.prefix}:log`, `${this.prefix}:topics`];
    // The earliest deadline holds for the call: none of it runs after any of them gave up.
    const args: Array<string | number> = [
      newEpoch(),
      this.options.recovery.streamSize,
      this.options.recovery.streamTtlSeconds * 1000,
      this.eventsChannel,
      (batch[0] as QueuedPublish).deadline,
      Math.max(...batch.map((q) => q.keyTtl)),
      batch.length,
      `${this.prefix}:ids`,
      this.epoch,
      this.highWater(),
      `${this.prefix}:dq`,
      this.options.durable?.pendingMax ?? 0,
    ];
    for (const q of batch) {
      keys.push(...q.keys);
      args.push(...q.args);
    }
    let result: Array<number | string>;
    try {
      result = (await PUBLISH.run(this.redis, keys, args)) as Array<number | string>;
    } catch (err) {
      const e = unavailable(err);
      for (const q of batch) q.reject(e);
      return;
    }
    if (result[0] === 2) {
      for (const q of batch) q.reject(tooLate());
      return;
    }
    const sameStream = result[1] === this.epoch;
    const queuedThrough = String(result[2]);
    const durable = this.options.durable;
    const outcomes = batch.map((q, i): PublishOutcome | HeraldError | "seed" => {
      const code = result[3 + 2 * i] as number;
      const text = result[4 + 2 * i] as string;
      if (code === 4) return new HeraldError("unavailable", text);
      if (code === 5) return "seed";
      try {
        const outcome = outcomeOf(q.request, q.id, code, text);
        // Only new events count: a duplicate's original may come from an earlier (fenced) epoch.
        if (sameStream && !outcome.duplicate && outcome.event.offset > this.seen) this.seen = outcome.event.offset;
        return outcome;
      } catch (err) {
        return err as HeraldError;
      }
    });
    const unconfirmed = this.acks !== undefined && (await this.unconfirmed(this.acks, outcomes));
    batch.forEach((q, i) => {
      const outcome = outcomes[i] as PublishOutcome | HeraldError | "seed";
      if (outcome === "seed") this.reseed(q, durable as DurableHooks);
      else if (outcome instanceof HeraldError) q.reject(outcome);
      else if (unconfirmed) q.reject(unconfirmedError(outcome.event, "the replicas"));
      // A durable event is acknowledged once the store holds it (the queue through this call).
      else if (q.durable && durable !== undefined)
        durable.committed(queuedThrough, outcome.event).then(() => q.resolve(outcome), q.reject);
      else q.resolve(outcome);
    });
  }

  /**
   * With `ackReplicas`, whether the replicas failed to confirm this call in time. On the acks
   * connection, sent after the call answered: a write (`INCR <prefix>:w`), then `WAIT` for it.
   * The master replicates one ordered stream, so replicas holding that write hold everything
   * written before it, by any node: this call's events, and a duplicate's original event.
   */
  private async unconfirmed(acks: Redis, outcomes: Array<PublishOutcome | HeraldError | "seed">): Promise<boolean> {
    if (outcomes.every((o) => o instanceof HeraldError || o === "seed")) return false;
    try {
      const replies = await acks
        .pipeline()
        .incr(`${this.prefix}:w`)
        .call("WAIT", this.ackReplicas, this.ackReplicasTimeoutMs)
        .exec();
      const [written, waited] = replies ?? [];
      if (written?.[0] || waited?.[0]) return true;
      return (waited?.[1] as number) < this.ackReplicas;
    } catch {
      return true;
    }
  }

  /**
   * The Redis time after which a publish sent now must not run: before this node gives up on
   * it (`commandTimeoutMs`), with a margin for the reply's way back and the offset's error.
   */
  private deadline(): number {
    const margin = Math.min(500, Math.floor(this.commandTimeoutMs / 4));
    return Math.floor(Date.now() + this.clockOffset + this.commandTimeoutMs - margin);
  }

  // ---- live fan-out: contiguous offsets, gaps filled from the log ----

  private onMessage(message: string): void {
    if (this.buffered !== undefined) {
      if (this.buffered.length < MAX_BUFFERED) this.buffered.push(message);
      return;
    }
    this.apply(message);
  }

  /**
   * Applies one live message (`<stream epoch> <offset>\n<frame>[\n<frame>…]`: the new events of
   * one script call, at consecutive offsets; frames are JSON, so never hold a raw newline);
   * starts a catch-up when it reveals a gap or a new epoch.
   */
  private apply(message: string): void {
    const sp = message.indexOf(" ");
    let nl = message.indexOf("\n", sp);
    const epoch = message.slice(0, sp);
    if (epoch !== this.epoch) {
      this.resync();
      return;
    }
    let offset = Number(message.slice(sp + 1, nl));
    while (nl !== -1) {
      const next = message.indexOf("\n", nl + 1);
      if (offset > this.lastOffset + 1) {
        this.resync();
        return;
      }
      if (offset === this.lastOffset + 1) {
        this.lastOffset = offset;
        this.emit(next === -1 ? message.slice(nl + 1) : message.slice(nl + 1, next));
      } // else: already delivered
      offset++;
      nl = next;
    }
  }

  private emit(frame: string, event: HeraldEvent = frameToEvent(frame)): void {
    for (const l of this.listeners) l(event, frame);
  }

  /**
   * Reads what this node missed from the stream log, in order, holding live messages meanwhile.
   * A new epoch, or a gap the log no longer covers, resets the node's position and tells the
   * `onReset` listeners (connections must reconnect to learn what was lost).
   */
  private resync(): void {
    if (this.catching !== undefined || this.closed) return;
    this.synced = false;
    this.buffered ??= [];
    this.catching = this.catchUp()
      .then(
        () => {
          const held = this.buffered ?? [];
          this.buffered = undefined;
          this.catching = undefined;
          for (const m of held) this.apply(m);
          if (this.catching === undefined && this.buffered === undefined && !this.closed) this.synced = true;
        },
        () => {
          // Redis is (still) unreachable: retry shortly; live messages will be re-read from the log.
          this.buffered = undefined;
          this.catching = undefined;
          if (!this.closed) setTimeout(() => this.resync(), 200).unref();
        },
      )
      .catch(() => {});
  }

  private async catchUp(): Promise<void> {
    await this.sub.subscribe(this.eventsChannel);
    for (;;) {
      const [epoch, offset, rows, base] = await this.readStream(this.lastOffset, CHUNK, 0, true);
      if (epoch !== this.epoch || offset < this.lastOffset) {
        // A new stream (Redis lost its data, or the stream was fenced because it went back
        // behind what this or another node saw): connections are asked to reconnect; in-process
        // listeners still get the new stream's events from its start (after a fence, the
        // entries before `base` belong to the old epoch and are not delivered again).
        this.epoch = epoch;
        this.lastOffset = base;
        this.seen = 0;
        for (const l of this.resetListeners) l();
        continue;
      }
      if (rows.length > 0 && rows[0]?.offset !== this.lastOffset + 1) {
        // The log no longer holds what this node missed: live connections cannot be exact.
        this.lastOffset = offset;
        for (const l of this.resetListeners) l();
        return;
      }
      for (const r of rows) {
        this.lastOffset = r.offset;
        this.emit(r.frame);
      }
      if (rows.length < CHUNK || this.lastOffset >= offset) return;
    }
  }

  // ---- reads ----

  /** Reads the stream log; `fenceCheck`: this node's catch-up, which fences a stream gone back behind it. */
  private async readStream(
    after: number,
    limit: number,
    upto: number,
    fenceCheck = false,
  ): Promise<[string, number, Array<{ offset: number; topic: string; frame: string }>, number]> {
    let raw: Array<string | number>;
    try {
      raw = (await READ_STREAM.run(
        this.redis,
        [`${this.prefix}:s`, `${this.prefix}:log`],
        [
          newEpoch(),
          after,
          limit,
          this.options.recovery.streamTtlSeconds * 1000,
          upto,
          fenceCheck ? this.epoch : "",
          fenceCheck ? this.highWater() : 0,
        ],
      )) as Array<string | number>;
    } catch (err) {
      throw unavailable(err);
    }
    const rows: Array<{ offset: number; topic: string; frame: string }> = [];
    for (let i = 3; i < raw.length; i += 3) {
      rows.push({ offset: Number.parseInt(String(raw[i]), 10), topic: String(raw[i + 1]), frame: String(raw[i + 2]) });
    }
    return [String(raw[0]), Number(raw[1]), rows, Number(raw[2])];
  }

  /** A topic's position and events after `since`; a durable topic Redis does not know is seeded from the store first. */
  private async readTopic(topic: string, since: number, limit: number): Promise<[TopicPosition, HeraldEvent[]]> {
    const ns = this.options.namespaces.of(topic);
    const durable = this.options.durable;
    const isDurable = durable !== undefined && ns.durable;
    let raw: Array<string | number>;
    for (let attempt = 0; ; attempt++) {
      try {
        raw = (await READ_TOPIC.run(
          this.redis,
          [this.key("t", topic), this.key("h", topic), `${this.prefix}:s`],
          [
            newEpoch(),
            this.topicKeyTtlMs(ns.history.ttlSeconds),
            ns.history.ttlSeconds * 1000,
            since,
            limit,
            isDurable ? "1" : "0",
          ],
        )) as Array<string | number>;
      } catch (err) {
        throw unavailable(err);
      }
      if (raw[1] !== -1 || durable === undefined) break;
      if (attempt === 2)
        throw new HeraldError("unavailable", `the durable topic "${topic}" could not be seeded from the store`);
      await durable.seed(topic, seededHistory(ns), this.seedIdTtlMs()).catch((err) => {
        throw unavailable(err);
      });
    }
    const events: HeraldEvent[] = [];
    for (let i = 2; i < raw.length; i++) events.push(frameToEvent(String(raw[i])));
    return [{ epoch: String(raw[0]), seq: Number(raw[1]) }, events];
  }

  async position(topic: string): Promise<TopicPosition> {
    this.checkReachable();
    return (await this.readTopic(topic, 0, 0))[0];
  }

  async streamPosition(): Promise<StreamPosition> {
    this.checkReachable();
    const [epoch, offset] = await this.readStream(0, 0, 0);
    return { epoch, offset };
  }

  async topicCount(): Promise<number> {
    this.checkReachable();
    try {
      return await this.redis.zcard(`${this.prefix}:topics`);
    } catch (err) {
      throw unavailable(err);
    }
  }

  async history(topic: string, query: HistoryQuery): Promise<HistoryPage> {
    this.checkReachable();
    const since = query.since ?? 0;
    const [position, events] = await this.readTopic(topic, since, query.limit);
    const first = events[0];
    const truncated = first === undefined ? position.seq > since : first.seq > since + 1;
    return { events, position, truncated };
  }

  async recoverTopic(topic: string, since: TopicPosition, maxEvents: number): Promise<Recovery<TopicPosition>> {
    this.checkReachable();
    // One atomic read: the position and every kept event after `since` (at most maxEvents).
    const [position, events] = await this.readTopic(topic, since.seq, maxEvents);
    const fail = { events: [], recovered: false, position };
    if (since.epoch !== position.epoch || since.seq > position.seq) return fail;
    const missed = position.seq - since.seq;
    if (missed === 0) return { events: [], recovered: true, position };
    if (missed > maxEvents || events.length !== missed || events[0]?.seq !== since.seq + 1) return fail;
    return { events, recovered: true, position };
  }

  async recoverPattern(pattern: string, since: StreamPosition, maxEvents: number): Promise<Recovery<StreamPosition>> {
    this.checkReachable();
    const [epoch, offset, firstRows] = await this.readStream(since.offset, CHUNK, 0);
    const position = { epoch, offset };
    const fail = { events: [], recovered: false, position };
    if (since.epoch !== epoch || since.offset > offset) return fail;
    if (since.offset === offset) return { events: [], recovered: true, position };
    let rows = firstRows;
    let expected = since.offset + 1;
    const events: HeraldEvent[] = [];
    for (;;) {
      if (rows.length === 0 || rows[0]?.offset !== expected) return fail; // trimmed or expired
      for (const r of rows) {
        if (r.offset > offset) return { events, recovered: true, position };
        if (topicMatches(pattern, r.topic)) {
          if (events.length === maxEvents) return fail;
          events.push(frameToEvent(r.frame));
        }
        expected = r.offset + 1;
      }
      if (expected > offset) return { events, recovered: true, position };
      const [e2, , more] = await this.readStream(expected - 1, CHUNK, offset);
      if (e2 !== epoch) return fail;
      rows = more;
    }
  }
}
