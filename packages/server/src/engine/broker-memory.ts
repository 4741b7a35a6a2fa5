/**
 * The in-memory broker: one process, nothing survives a restart (every epoch is new after
 * one). Sequencing is synchronous, so per-topic order is the order of `publish` calls.
 *
 * With a `Persistence` (durable namespaces), events of durable topics are committed to the
 * store before they are applied (history, stream log) and delivered; every event, durable or
 * not, is applied in offset order through one queue, so positions never run ahead of what a
 * subscriber can receive. On start, durable topics, the stream position and epoch, and recent
 * ids are restored from the store.
 */
import { randomUUID } from "node:crypto";
import { HeraldError, type HeraldEvent, type StreamPosition, type TopicPosition, topicMatches } from "@herald/protocol";
import { LRUCache } from "lru-cache";
import type { IdempotencyConfig, RecoveryConfig } from "../config-types.js";
import type { Namespaces } from "../hub/namespaces.js";
import type { TopicMeta } from "../store/history-store.js";
import type { Persistence } from "../store/persistence.js";
import {
  type Broker,
  type EventListener,
  eventFrame,
  type HistoryPage,
  type HistoryQuery,
  type PublishOutcome,
  type PublishRequest,
  type Recovery,
  sequencedEvent,
} from "./broker.js";
import { Ring } from "./ring.js";

/** One sequenced event waiting to be applied in offset order. */
interface Entry {
  event: HeraldEvent;
  /** 0 waits for its commit, 1 is ready, 2 failed. */
  status: 0 | 1 | 2;
  error?: Error;
  resolve: (outcome: PublishOutcome) => void;
  reject: (err: Error) => void;
}

interface TopicState {
  epoch: string;
  seq: number;
  /** Last seq applied (committed, in history, delivered); `seq` runs ahead while commits are pending. */
  committed: number;
  events: Ring<HeraldEvent>;
  ttlMs: number;
  lastPublish: number;
}

export interface MemoryBrokerOptions {
  namespaces: Namespaces;
  recovery: RecoveryConfig;
  idempotency: IdempotencyConfig;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
  /** How often expired history is swept. @default 30000 */
  sweepMs?: number;
  /** Where durable namespaces keep their events; without it nothing is durable. */
  persistence?: Persistence;
}

/** A short random epoch. */
export function newEpoch(): string {
  return randomUUID().slice(0, 8);
}

export class MemoryBroker implements Broker {
  private readonly topics = new Map<string, TopicState>();
  private readonly stream: Ring<HeraldEvent>;
  private streamEpoch = newEpoch();
  private offset = 0;
  /** Offset of the last applied event. */
  private applied = 0;
  /** Pattern recovery from an offset below this is not exact (events were dropped or lost). */
  private streamFloor = 0;
  /** The stream position a restart resumed from: below it only durable-covered patterns recover. */
  private restartFloor = 0;
  /** Events sequenced but not yet applied, in offset order. */
  private outbox: Entry[] = [];
  private outboxHead = 0;
  /** Ids of events still waiting for their commit, so a duplicate waits too. */
  private readonly inflight = new Map<string, Promise<PublishOutcome>>();
  /** A durable commit failed: durable publishes are refused until the store recovered. */
  private failed = false;
  private readonly seen: LRUCache<string, HeraldEvent> | undefined;
  private readonly listeners: EventListener[] = [];
  private readonly now: () => number;
  private sweeper: NodeJS.Timeout | undefined;
  ready = false;

  constructor(private readonly options: MemoryBrokerOptions) {
    this.now = options.now ?? Date.now;
    this.stream = new Ring(options.recovery.streamSize);
    if (options.idempotency.size > 0) {
      this.seen = new LRUCache({ max: options.idempotency.size, ttl: options.idempotency.ttlSeconds * 1000 });
    }
    options.persistence?.onRecovered((topics, read) => this.reconcile(topics, read));
  }

  /**
   * After a store outage, takes the store's committed positions as the truth. A commit that
   * failed may have been written after all (a connection lost during COMMIT): those events are
   * loaded into history (and their ids remembered, so a retry is a duplicate), and pattern
   * recovery from before now is no longer exact. Then durable publishes resume.
   */
  private async reconcile(
    stored: TopicMeta[],
    read: (topic: string, afterSeq: number, limit: number) => Promise<HeraldEvent[]>,
  ): Promise<void> {
    let ahead = false;
    for (const meta of stored) {
      const known = this.topics.get(meta.topic);
      const t = known ?? this.topic(meta.topic);
      if (known === undefined) t.epoch = meta.epoch;
      if (meta.seq > t.committed && meta.epoch === t.epoch) {
        for (const e of await read(meta.topic, t.committed, meta.seq - t.committed)) {
          t.events.push(e);
          this.seen?.set(e.id, e);
        }
        t.committed = meta.seq;
        ahead = true;
      }
      t.seq = Math.max(t.seq, t.committed);
    }
    if (ahead) this.streamFloor = Math.max(this.streamFloor, this.applied);
    this.failed = false;
  }

  async start(): Promise<void> {
    if (this.options.persistence !== undefined) await this.restore(this.options.persistence);
    this.sweeper = setInterval(() => this.sweep(), this.options.sweepMs ?? 30_000);
    this.sweeper.unref();
    this.ready = true;
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.ready = false;
    await this.options.persistence?.close();
  }

  private async restore(p: Persistence): Promise<void> {
    const r = await p.restore(this.options.recovery.streamSize);
    const now = this.now();
    for (const rt of r.topics) {
      const ns = this.options.namespaces.of(rt.topic);
      const t: TopicState = {
        epoch: rt.epoch,
        seq: rt.seq,
        committed: rt.seq,
        events: new Ring(ns.history.size),
        ttlMs: ns.history.ttlSeconds * 1000,
        lastPublish: now,
      };
      for (const e of rt.events) t.events.push(e);
      this.topics.set(rt.topic, t);
    }
    if (r.stream !== undefined) {
      this.streamEpoch = r.stream.epoch;
      // Offsets of non-durable events after the last commit were never stored: jump past any
      // offset the previous run can have used (it assigned fewer than 1000 per ms).
      this.offset = Math.max(r.stream.offset, now * 1000);
      this.applied = this.offset;
      this.streamFloor = r.durableFloor;
      this.restartFloor = r.stream.offset;
    }
    for (const e of r.streamEvents) {
      this.stream.push(e);
      this.seen?.set(e.id, e);
    }
    for (const rt of r.topics) for (const e of rt.events) this.seen?.set(e.id, e);
  }

  onEvent(listener: EventListener): void {
    this.listeners.push(listener);
  }

  private topic(name: string): TopicState {
    let t = this.topics.get(name);
    if (t === undefined) {
      const ns = this.options.namespaces.of(name);
      t = {
        epoch: newEpoch(),
        seq: 0,
        committed: 0,
        events: new Ring(ns.history.size),
        ttlMs: ns.history.ttlSeconds * 1000,
        lastPublish: this.now(),
      };
      this.topics.set(name, t);
    }
    return t;
  }

  private expire(t: TopicState, now: number): void {
    if (t.ttlMs === 0) return;
    const cutoff = now - t.ttlMs;
    while (t.events.length > 0 && (t.events.first() as HeraldEvent).timestamp < cutoff) t.events.shift();
  }

  private expireStream(now: number): void {
    const cutoff = now - this.options.recovery.streamTtlSeconds * 1000;
    while (this.stream.length > 0 && (this.stream.first() as HeraldEvent).timestamp < cutoff) {
      this.streamFloor = (this.stream.shift() as HeraldEvent).offset;
    }
  }

  private sweep(): void {
    const now = this.now();
    this.expireStream(now);
    const idleCutoff = now - Math.max(this.options.recovery.streamTtlSeconds * 1000, 3_600_000);
    for (const [name, t] of this.topics) {
      this.expire(t, now);
      // A durable topic's position must outlive its history: forgetting it would reuse seqs.
      if (t.events.length === 0 && t.lastPublish < idleCutoff && this.options.persistence?.durable(name) !== true) {
        this.topics.delete(name);
      }
    }
  }

  async publish(request: PublishRequest): Promise<PublishOutcome> {
    if (!this.ready) throw new HeraldError("unavailable", "the broker is not started");
    const p = this.options.persistence;
    if (p === undefined) return this.publishSync(request);
    const prior = this.duplicateOf(request);
    if (prior !== undefined) {
      const waiting = this.inflight.get(prior.id);
      if (waiting !== undefined) await waiting;
      return { event: prior, duplicate: true };
    }
    const durable = p.durable(request.topic);
    if (durable && this.failed) throw new HeraldError("unavailable", "the store failed; durable publishes are stopped");
    if (!durable && this.outbox.length === this.outboxHead) return this.publishSync(request);
    const event = this.sequence(request);
    const promise = new Promise<PublishOutcome>((resolve, reject) => {
      const entry: Entry = { event, status: durable ? 0 : 1, resolve, reject };
      this.outbox.push(entry);
      if (durable) {
        p.commit(event, { epoch: this.streamEpoch, offset: this.offset }).then(
          () => {
            entry.status = 1;
            this.drain();
          },
          (err: Error) => {
            entry.status = 2;
            entry.error = err;
            this.failed = true;
            this.drain();
          },
        );
      }
    });
    if (request.id !== undefined) {
      this.inflight.set(event.id, promise);
      promise.then(
        () => this.inflight.delete(event.id),
        () => this.inflight.delete(event.id),
      );
    }
    return promise;
  }

  /** Applies ready entries from the head of the outbox, in offset order. */
  private drain(): void {
    while (this.outboxHead < this.outbox.length) {
      const entry = this.outbox[this.outboxHead] as Entry;
      if (entry.status === 0) break;
      this.outboxHead++;
      if (entry.status === 1) {
        this.apply(entry.event);
        entry.resolve({ event: entry.event, duplicate: false });
      } else {
        // Fail-stop: every later durable event of this topic fails too, so its seq rolls back.
        const t = this.topic(entry.event.topic);
        t.seq = Math.min(t.seq, entry.event.seq - 1);
        this.seen?.delete(entry.event.id);
        entry.reject(entry.error as Error);
      }
    }
    if (this.outboxHead === this.outbox.length) {
      this.outbox = [];
      this.outboxHead = 0;
    }
  }

  private duplicateOf(request: PublishRequest): HeraldEvent | undefined {
    if (request.id === undefined || this.seen === undefined) return undefined;
    const prior = this.seen.get(request.id);
    if (prior !== undefined && prior.topic !== request.topic) {
      throw new HeraldError("conflict", `event id "${request.id}" was already used on another topic`);
    }
    return prior;
  }

  /** Synchronous publish, for callers in the same process that need no promise (non-durable topics). */
  publishSync(request: PublishRequest): PublishOutcome {
    const prior = this.duplicateOf(request);
    if (prior !== undefined) return { event: prior, duplicate: true };
    const event = this.sequence(request);
    this.apply(event);
    return { event, duplicate: false };
  }

  /**
   * Assigns seq, epoch and offset, and remembers the id when the publisher gave one: an id the
   * broker made up can never come back in a retry, and recording it would only push the ids
   * publishers chose out of the bounded record.
   */
  private sequence(request: PublishRequest): HeraldEvent {
    const now = this.now();
    const t = this.topic(request.topic);
    const event = sequencedEvent(request, request.id ?? randomUUID(), {
      seq: ++t.seq,
      epoch: t.epoch,
      offset: ++this.offset,
      timestamp: now,
    });
    t.lastPublish = now;
    if (request.id !== undefined) this.seen?.set(event.id, event);
    return event;
  }

  /** Puts a sequenced (and, when durable, committed) event in history and delivers it. */
  private apply(event: HeraldEvent): void {
    const t = this.topic(event.topic);
    t.committed = event.seq;
    this.applied = event.offset;
    t.events.push(event);
    const evicted = this.stream.push(event);
    if (evicted !== undefined) this.streamFloor = evicted.offset;
    if (this.listeners.length > 0) {
      const frame = eventFrame(event);
      for (const l of this.listeners) l(event, frame);
    }
  }

  async position(topic: string): Promise<TopicPosition> {
    const t = this.topic(topic);
    return { epoch: t.epoch, seq: t.committed };
  }

  async streamPosition(): Promise<StreamPosition> {
    return { epoch: this.streamEpoch, offset: this.applied };
  }

  async topicCount(): Promise<number> {
    return this.topics.size;
  }

  async history(topic: string, query: HistoryQuery): Promise<HistoryPage> {
    const t = this.topics.get(topic);
    // Reading must not create: anyone allowed to read could otherwise fill memory with topics.
    // A topic that never existed has no epoch yet; a fresh one is named and not kept.
    if (t === undefined) return { events: [], position: { epoch: newEpoch(), seq: 0 }, truncated: false };
    this.expire(t, this.now());
    const since = query.since ?? 0;
    const first = t.events.first();
    const position = { epoch: t.epoch, seq: t.committed };
    if (first === undefined) return { events: [], position, truncated: t.committed > since };
    // Events after `since` that were trimmed are gone: the page starts at the oldest kept one.
    const from = since + 1 - first.seq;
    return { events: t.events.slice(Math.max(0, from), query.limit), position, truncated: from < 0 };
  }

  async recoverTopic(topic: string, since: TopicPosition, maxEvents: number): Promise<Recovery<TopicPosition>> {
    const t = this.topic(topic);
    this.expire(t, this.now());
    const position = { epoch: t.epoch, seq: t.committed };
    const fail = { events: [], recovered: false, position };
    if (since.epoch !== t.epoch || since.seq > t.committed) return fail;
    const missed = t.committed - since.seq;
    if (missed === 0) return { events: [], recovered: true, position };
    if (missed > maxEvents) return fail;
    const first = t.events.first();
    if (first === undefined || first.seq > since.seq + 1) return fail;
    return { events: t.events.slice(since.seq + 1 - first.seq, missed), recovered: true, position };
  }

  async recoverPattern(pattern: string, since: StreamPosition, maxEvents: number): Promise<Recovery<StreamPosition>> {
    this.expireStream(this.now());
    const position = { epoch: this.streamEpoch, offset: this.applied };
    const fail = { events: [], recovered: false, position };
    if (since.epoch !== this.streamEpoch || since.offset > this.applied) return fail;
    if (since.offset === this.applied) return { events: [], recovered: true, position };
    if (since.offset < this.streamFloor) return fail;
    // Non-durable events from before a restart are gone; durable ones were restored.
    if (since.offset < this.restartFloor && this.options.persistence?.covers(pattern) !== true) return fail;
    // Offsets in the log may have holes (failed commits, a restart): find the start by search.
    let lo = 0;
    let hi = this.stream.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.stream.at(mid) as HeraldEvent).offset <= since.offset) lo = mid + 1;
      else hi = mid;
    }
    const events: HeraldEvent[] = [];
    for (let i = lo; i < this.stream.length; i++) {
      const e = this.stream.at(i) as HeraldEvent;
      if (topicMatches(pattern, e.topic)) {
        if (events.length === maxEvents) return fail;
        events.push(e);
      }
    }
    return { events, recovered: true, position };
  }
}
