/**
 * Durable namespaces on the Redis engine: the store keeps their history, as on the memory
 * engine, while Redis sequences and delivers them with every other topic.
 *
 * - The publish script sequences a durable event as any other (seq, offset, history, stream
 *   log, delivery) and also appends it to the durable queue (`<prefix>:dq`). One node, the
 *   holder of the committer lease (`<prefix>:durable:committer`), commits the queue to the store
 *   in queue order, through the store's group commit (`DurableLog`), then removes what it
 *   committed and tells every node how far the store has it (`COMMITTED`, `<prefix>:durable`).
 * - A durable publish is acknowledged once the store holds it. A publish refused before the
 *   script ran (the store down, `dstop` set by the committer after a failed commit, the queue
 *   at `engine.durablePendingMax`) did nothing. One the script ran but the store did not confirm
 *   within `engine.durableAckTimeoutMs` is answered `unconfirmed`: it was delivered and stays
 *   queued until the store commits it; a retry with its id is answered with the same event.
 * - A failed commit stops durable publishes (`dstop`) and keeps the queue: once the store
 *   answers again the committer re-reads the committed positions (a commit that failed may have
 *   been written after all), commits what is left, and clears `dstop`.
 * - A durable topic's keys in Redis do not expire. When Redis does not know one (it lost its
 *   data, or never saw the topic), the node seeds it from the store before anything else
 *   (`SEED`): the seq goes on from the store's under a new epoch, the newest stored events are
 *   its history.
 */
import type { HeraldError, HeraldEvent } from "@herald/protocol";
import type { Redis } from "ioredis";
import type { Logger } from "../log.js";
import type { HistoryStore } from "../store/history-store.js";
import type { StoreAccess } from "../store/lazy-store.js";
import type { Persistence } from "../store/persistence.js";
import { eventFrame, frameToEvent, unconfirmedError } from "./broker.js";
import { newEpoch } from "./broker-memory.js";
import { RedisLease } from "./lease.js";
import type { RedisConnection } from "./redis-connection.js";
import { COMMITTED, SEED } from "./redis-scripts.js";

/** What the Redis broker asks of durable namespaces. */
export interface DurableHooks {
  /** Whether `topic`'s namespace keeps its history in the store. */
  durable(topic: string): boolean;
  /** The store's outage while this node knows it is down: durable publishes are refused at once. */
  readonly down: HeraldError | undefined;
  /** Most events the durable queue may hold (`engine.durablePendingMax`). */
  readonly pendingMax: number;
  /**
   * Seeds a durable topic Redis does not know from the store (`SEED`); ids of its seeded events
   * younger than `idTtlMs` (0: none) are recorded again.
   */
  seed(topic: string, historySize: number, idTtlMs: number): Promise<void>;
  /** Resolves once the store holds the durable queue through `entry`; else rejects `unconfirmed`. */
  committed(entry: string, event: HeraldEvent): Promise<void>;
}

/** The Redis broker as the committer needs it. */
export interface DurableBroker extends RedisConnection {
  onEvent(listener: (event: HeraldEvent) => void): void;
  onReset(listener: () => void): void;
}

export interface RedisDurableOptions {
  persistence: Persistence;
  store: StoreAccess<HistoryStore>;
  /** @default 100000 */
  pendingMax?: number;
  /** @default 10000 */
  ackTimeoutMs?: number;
  /** Most queue entries committed per transaction. @default 1000 */
  batchMax?: number;
  /** The committer lease: renewed every `leaseRenewMs`, lost after `leaseTtlMs`. @default 1000, 3000 */
  leaseRenewMs?: number;
  leaseTtlMs?: number;
  /** How often the lease holder looks at the queue besides being woken by events. @default 250 */
  pollMs?: number;
}

interface Waiter {
  entry: string;
  event: HeraldEvent;
  resolve(): void;
  reject(err: HeraldError): void;
  timer: NodeJS.Timeout;
}

/** Stream entry ids ("ms-seq") in order: negative when `a` comes first. */
function compareEntryIds(a: string, b: string): number {
  const [am = "0", as = "0"] = a.split("-");
  const [bm = "0", bs = "0"] = b.split("-");
  return Number(am) - Number(bm) || Number(as) - Number(bs);
}

/** Not confirmed by the store in time: the event stays queued and is committed when the store answers. */
function unconfirmed(event: HeraldEvent): HeraldError {
  return unconfirmedError(event, "the store (it stays queued)");
}

export class RedisDurable implements DurableHooks {
  readonly pendingMax: number;
  private broker: DurableBroker | undefined;
  private lease: RedisLease | undefined;
  private timer: NodeJS.Timeout | undefined;
  private waiters: Waiter[] = [];
  /** The last queue entry the store is known to hold. */
  private through = "0-0";
  /** The store's seq per topic, as the committer knows it (re-read after an outage or a take-over). */
  private readonly committedSeq = new Map<string, number>();
  /** The commit round running, if any. */
  private draining: Promise<void> | undefined;
  private again = false;
  /** This committer may have left `dstop` set (after a failed commit, or a take-over): clear it when the store works. */
  private stopped = true;
  private closed = false;
  /** The last commit round failed (logged once per streak). */
  private failing = false;
  private nodeId = "";
  private log: Logger | undefined;

  constructor(private readonly options: RedisDurableOptions) {
    this.pendingMax = options.pendingMax ?? 100_000;
    options.persistence.onRecovered(async (topics) => {
      // The store has the last word: a commit that failed may have been written after all.
      this.committedSeq.clear();
      for (const t of topics) this.committedSeq.set(t.topic, t.seq);
      setTimeout(() => void this.drain(), 0).unref();
    });
  }

  durable(topic: string): boolean {
    return this.options.persistence.durable(topic);
  }

  get down(): HeraldError | undefined {
    return this.options.store.health.down;
  }

  private get redis(): Redis {
    return (this.broker as DurableBroker).redis;
  }

  private key(name: string): string {
    return `${(this.broker as DurableBroker).prefix}:${name}`;
  }

  /** Starts after the broker: committed notices, the lease, wake-ups and the poll. */
  async start(broker: DurableBroker, nodeId: string, log: Logger): Promise<void> {
    this.broker = broker;
    this.nodeId = nodeId;
    this.log = log;
    await broker.listen("durable", (entry) => this.advance(entry));
    broker.onReset(() => {
      // Redis lost the stream, and the queue with it: what waits cannot be confirmed any more.
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(unconfirmed(w.event));
      }
      this.through = "0-0";
    });
    broker.onEvent((event) => {
      if (this.lease?.held === true && this.durable(event.topic)) void this.drain();
    });
    this.lease = new RedisLease(
      broker.redis,
      broker.prefix,
      nodeId,
      log,
      this.options.leaseRenewMs ?? 1000,
      this.options.leaseTtlMs ?? 3000,
      "durable:committer",
    );
    await this.lease.start();
    this.timer = setInterval(() => void this.drain(), this.options.pollMs ?? 250);
    this.timer.unref();
    this.options.persistence.retain();
  }

  /** Lets the commit round running finish, hands the lease on, and commits what the durable log holds. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.draining;
    await this.lease?.close();
    await this.options.persistence.close();
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(unconfirmed(w.event));
    }
  }

  committed(entry: string, event: HeraldEvent): Promise<void> {
    if (entry === "" || compareEntryIds(entry, this.through) <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        entry,
        event,
        resolve,
        reject,
        timer: setTimeout(() => void this.expire(w), this.options.ackTimeoutMs ?? 10_000),
      };
      this.waiters.push(w);
    });
  }

  /** A waiter's time is up: one last look at how far the store has the queue (a notice may have been lost). */
  private async expire(w: Waiter): Promise<void> {
    const at = this.waiters.indexOf(w);
    if (at === -1) return;
    this.waiters.splice(at, 1);
    const through = await this.redis.hget(this.key("s"), "dcommitted").catch(() => null);
    if (through !== null && compareEntryIds(w.entry, through) <= 0) w.resolve();
    else w.reject(unconfirmed(w.event));
  }

  /** The store holds the queue through `entry`: answers the publishes waiting for it. */
  private advance(entry: string): void {
    if (compareEntryIds(entry, this.through) <= 0) return;
    this.through = entry;
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (compareEntryIds(w.entry, entry) <= 0) {
        clearTimeout(w.timer);
        w.resolve();
      } else still.push(w);
    }
    this.waiters = still;
  }

  async seed(topic: string, historySize: number, idTtlMs: number): Promise<void> {
    const store = await this.options.store.get();
    const meta = await store.topic(topic);
    const seq = meta?.seq ?? 0;
    const events =
      meta !== undefined && historySize > 0
        ? await store.events(topic, Math.max(0, seq - historySize), historySize)
        : [];
    const gen = await this.redis.hget(this.key("s"), "gen");
    const epoch = newEpoch();
    const shown = gen === null ? epoch : `${epoch}.${gen}`;
    const args: Array<string | number> = [
      epoch,
      seq,
      historySize,
      events.length,
      idTtlMs,
      this.key("ids"),
      topic,
      shown,
    ];
    for (const e of events) args.push(e.seq, e.timestamp, eventFrame({ ...e, epoch: shown }), e.id, e.offset);
    await SEED.run(this.redis, [this.key(`t:${topic}`), this.key(`h:${topic}`)], args);
  }

  /**
   * The committer (lease holder only): commits the queue to the store in order, one group commit
   * per `batchMax` entries, until it is empty. One drain at a time; a wake-up during one runs another.
   */
  private drain(): Promise<void> {
    if (this.draining !== undefined) {
      this.again = true;
      return this.draining;
    }
    this.draining = this.round().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async round(): Promise<void> {
    try {
      do {
        this.again = false;
        if (this.closed || this.lease?.held !== true) {
          // A node that is not (or no longer) the committer forgets what it knew of the store.
          this.committedSeq.clear();
          this.stopped = true;
          return;
        }
        if (this.options.store.health.down !== undefined) return; // the recovery listener wakes it
        const max = this.options.batchMax ?? 1000;
        const rows = (await this.redis.xrange(this.key("dq"), "-", "+", "COUNT", max)) as Array<[string, string[]]>;
        this.failing = false;
        if (rows.length === 0) {
          if (this.stopped) await this.finish([], []);
          return;
        }
        await this.commit(rows);
        if (rows.length === max) this.again = true;
      } while (this.again);
    } catch (err) {
      // Redis unreachable: said once, then quietly retried every poll until it answers.
      if (!this.failing) this.log?.warn({ err }, "durable queue: commit round failed; retried");
      this.failing = true;
    }
  }

  private async commit(rows: Array<[string, string[]]>): Promise<void> {
    const entries = rows.map(([id, f]) => ({
      id,
      offset: Number(f[1]),
      epoch: f[3] as string,
      event: frameToEvent(f[5] as string),
    }));
    let store: HistoryStore;
    try {
      store = await this.options.store.get();
      for (const topic of new Set(entries.map((e) => e.event.topic))) {
        if (!this.committedSeq.has(topic)) this.committedSeq.set(topic, (await store.topic(topic))?.seq ?? 0);
      }
    } catch (err) {
      await this.stop(err);
      return;
    }
    // Entries the store holds already (committed before a take-over or a failed answer) are
    // skipped; so are seqs Redis handed out again after it went back (a fence): the topic's
    // Redis seq is raised past the store's, so the next ones do not collide.
    const fresh: typeof entries = [];
    const raises = new Map<string, number>();
    for (const e of entries) {
      const known = this.committedSeq.get(e.event.topic) as number;
      if (e.event.seq <= known) {
        raises.set(e.event.topic, known);
        continue;
      }
      fresh.push(e);
      this.committedSeq.set(e.event.topic, e.event.seq);
    }
    try {
      await Promise.all(
        fresh.map((e) => this.options.persistence.commit(e.event, { epoch: e.epoch, offset: e.offset })),
      );
    } catch (err) {
      this.committedSeq.clear();
      await this.stop(err);
      return;
    }
    await this.finish(
      rows.map(([id]) => id),
      [...raises],
    );
  }

  /** After a commit: the queue entries leave, `dstop` is cleared, raises applied, every node told. */
  private async finish(ids: string[], raised: Array<[string, number]>): Promise<void> {
    const args: Array<string | number> = [
      this.nodeId,
      this.key("durable"),
      ids.at(-1) ?? "0-0",
      ids.length,
      ...ids,
      raised.length,
    ];
    for (const [topic, seq] of raised) args.push(this.key(`t:${topic}`), seq);
    const held = await COMMITTED.run(this.redis, [this.key("durable:committer"), this.key("dq"), this.key("s")], args);
    if (held === 1) this.stopped = false;
  }

  /** A commit failed: durable publishes stop (`dstop`) until the store answers and the queue is committed. */
  private async stop(err: unknown): Promise<void> {
    // Closing: the store closes after this node; what is left in the queue waits for the next holder.
    if (this.closed) return;
    this.stopped = true;
    this.log?.warn({ err }, "durable queue: the store did not commit; durable publishes stopped until it does");
    await this.redis.hset(this.key("s"), "dstop", "1").catch(() => undefined);
  }
}
