/**
 * `Persistence` over a `Store`, with group commit: events handed to `commit` in the same tick
 * (or while a transaction is in flight) go to the store in one transaction of at most
 * `maxBatch` events, so durability costs one fsync per batch, not per event. Retention (count
 * and age, from each topic's namespace) is enforced in the background.
 */
import { HeraldError, type HeraldEvent, type StreamPosition } from "@herald/protocol";
import type { Namespaces } from "../hub/namespaces.js";
import type { Logger } from "../log.js";
import type { HistoryStore } from "./history-store.js";
import type { StoreAccess } from "./lazy-store.js";
import type { Persistence, RecoveryListener, RestoredHistory, RestoredTopic } from "./persistence.js";
import { storeError } from "./store-errors.js";

export interface DurableLogOptions {
  store: StoreAccess<HistoryStore>;
  namespaces: Namespaces;
  /** Most events in one transaction. @default 1000 */
  maxBatch?: number;
  /** Wait this long for more events before committing; 0 commits on the next tick. @default 0 */
  maxDelayMs?: number;
  /** Interval of the retention sweep. @default 30000 */
  sweepMs?: number;
  log?: Logger;
  now?: () => number;
}

interface Pending {
  event: HeraldEvent;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class DurableLog implements Persistence {
  private queue: Pending[] = [];
  private stream: StreamPosition | undefined;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly recoveryListeners: RecoveryListener[] = [];
  /** Last seq of every durable topic, for the retention sweep. */
  private readonly known = new Map<string, number>();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: DurableLogOptions) {
    this.now = options.now ?? Date.now;
    options.store.health.onRecovered(() => this.recover());
  }

  onRecovered(listener: RecoveryListener): void {
    this.recoveryListeners.push(listener);
  }

  /** After an outage: re-reads every durable topic's committed position for the listeners. */
  private async recover(): Promise<void> {
    const store = await this.options.store.raw();
    const topics = (await store.topics()).filter((t) => this.durable(t.topic));
    for (const t of topics) this.known.set(t.topic, t.seq);
    const read = (topic: string, afterSeq: number, limit: number) => store.events(topic, afterSeq, limit);
    for (const l of this.recoveryListeners) await l(topics, read);
  }

  durable(topic: string): boolean {
    return this.options.namespaces.of(topic).durable;
  }

  commit(event: HeraldEvent, stream: StreamPosition): Promise<void> {
    const down = this.options.store.health.down;
    if (down !== undefined) return Promise.reject(down);
    if (this.closed) return Promise.reject(new HeraldError("shutting_down", "the store is closing"));
    if (this.stream === undefined || stream.offset > this.stream.offset) this.stream = stream;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing !== undefined || this.timer !== undefined) return; // the running flush takes it
    const delay = this.options.maxDelayMs ?? 0;
    if (delay === 0 || this.queue.length >= (this.options.maxBatch ?? 1000)) {
      this.timer = setImmediate(() => this.startFlush()) as unknown as NodeJS.Timeout;
    } else {
      this.timer = setTimeout(() => this.startFlush(), delay);
    }
  }

  private startFlush(): void {
    this.timer = undefined;
    this.flushing ??= this.flush().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async flush(): Promise<void> {
    const store = await this.options.store.get().catch((err) => {
      this.fail(err);
      return undefined;
    });
    if (store === undefined) return;
    const max = this.options.maxBatch ?? 1000;
    while (this.queue.length > 0) {
      const batch = this.queue.length <= max ? this.queue : this.queue.slice(0, max);
      this.queue = this.queue.length <= max ? [] : this.queue.slice(max);
      try {
        await store.append(
          batch.map((p) => p.event),
          this.stream as StreamPosition,
        );
      } catch (err) {
        this.queue = [...batch, ...this.queue];
        this.fail(err);
        return;
      }
      for (const p of batch) {
        this.known.set(p.event.topic, p.event.seq);
        p.resolve();
      }
    }
  }

  /**
   * The failed batch and everything queued after it is rejected (`unavailable`: nothing was
   * accepted), and so is every commit until the store answers again and positions were re-read.
   */
  private fail(err: unknown): void {
    const mapped = storeError(err);
    const failure =
      mapped instanceof HeraldError && mapped.code === "unavailable"
        ? mapped
        : new HeraldError("unavailable", "the store failed to commit; nothing was accepted, retry", { cause: err });
    this.options.store.health.fail(failure);
    const queue = this.queue;
    this.queue = [];
    for (const p of queue) p.reject(failure);
  }

  async restore(streamSize: number): Promise<RestoredHistory> {
    const store = await this.options.store.get();
    const now = this.now();
    const topics: RestoredTopic[] = [];
    for (const meta of await store.topics()) {
      const ns = this.options.namespaces.of(meta.topic);
      if (!ns.durable) continue;
      this.known.set(meta.topic, meta.seq);
      const size = ns.history.size;
      let events = size === 0 ? [] : await store.events(meta.topic, Math.max(0, meta.seq - size), size);
      if (ns.history.ttlSeconds > 0) {
        const cutoff = now - ns.history.ttlSeconds * 1000;
        events = events.filter((e) => e.timestamp >= cutoff);
      }
      topics.push({ ...meta, events });
    }
    const tail = await store.streamTail(streamSize);
    const streamEvents = tail.filter((e) => this.durable(e.topic));
    const stream = await store.streamPosition();
    // Older events than the tail exist when it is full; trimmed ones are gone for good.
    let durableFloor = await store.trimmedOffset();
    if (tail.length === streamSize && tail[0] !== undefined) durableFloor = Math.max(durableFloor, tail[0].offset - 1);
    this.retain();
    return { stream, topics, streamEvents, durableFloor };
  }

  retain(): void {
    if (this.sweeper !== undefined || this.closed) return;
    this.sweeper = setInterval(() => void this.sweep(), this.options.sweepMs ?? 30_000);
    this.sweeper.unref();
  }

  covers(pattern: string): boolean {
    const literal: string[] = [];
    for (const segment of pattern.split(".")) {
      if (segment === "*" || segment === ">") break;
      literal.push(segment);
    }
    const prefix = literal.join(".");
    if (!this.options.namespaces.of(prefix).durable) return false;
    // A namespace nested under the prefix may override durability for part of the pattern.
    return this.options.namespaces.all.every(
      (ns) => ns.durable || !(prefix === "" || ns.prefix === prefix || ns.prefix.startsWith(`${prefix}.`)),
    );
  }

  /** Deletes events beyond each topic's namespace retention (count, then age). */
  async sweep(): Promise<number> {
    if (!this.options.store.health.ready) return 0; // the next sweep after the outage does it
    let store: HistoryStore;
    try {
      store = await this.options.store.get();
    } catch (err) {
      this.options.log?.warn({ err }, "retention sweep skipped: the store is unavailable");
      return 0;
    }
    const now = this.now();
    let removed = 0;
    for (const [topic, seq] of this.known) {
      const ns = this.options.namespaces.of(topic);
      const before = ns.history.ttlSeconds > 0 ? now - ns.history.ttlSeconds * 1000 : 0;
      try {
        removed += await store.trim(topic, seq - ns.history.size, before);
      } catch (err) {
        this.options.log?.warn({ err, topic }, "retention sweep failed");
        return removed;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      clearImmediate(this.timer as unknown as NodeJS.Immediate);
      this.timer = undefined;
    }
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    if (this.queue.length > 0 && this.flushing === undefined) this.startFlush();
    while (this.flushing !== undefined) await this.flushing;
  }
}
