/**
 * The in-memory broker: one process, nothing survives a restart (every epoch is new after
 * one). Sequencing is synchronous, so per-topic order is the order of `publish` calls.
 */
import { randomUUID } from "node:crypto";
import { HeraldError, type HeraldEvent, type StreamPosition, type TopicPosition, topicMatches } from "@herald/protocol";
import { LRUCache } from "lru-cache";
import type { IdempotencyConfig, RecoveryConfig } from "../config.js";
import type { Namespaces } from "../hub/namespaces.js";
import {
  type Broker,
  type EventListener,
  eventFrame,
  type HistoryPage,
  type HistoryQuery,
  type PublishOutcome,
  type PublishRequest,
  type Recovery,
} from "./broker.js";
import { Ring } from "./ring.js";

interface TopicState {
  epoch: string;
  seq: number;
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
}

/** A short random epoch. */
export function newEpoch(): string {
  return randomUUID().slice(0, 8);
}

export class MemoryBroker implements Broker {
  private readonly topics = new Map<string, TopicState>();
  private readonly stream: Ring<HeraldEvent>;
  private readonly streamEpoch = newEpoch();
  private offset = 0;
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
  }

  async start(): Promise<void> {
    this.sweeper = setInterval(() => this.sweep(), this.options.sweepMs ?? 30_000);
    this.sweeper.unref();
    this.ready = true;
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.ready = false;
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
    while (this.stream.length > 0 && (this.stream.first() as HeraldEvent).timestamp < cutoff) this.stream.shift();
  }

  private sweep(): void {
    const now = this.now();
    this.expireStream(now);
    const idleCutoff = now - Math.max(this.options.recovery.streamTtlSeconds * 1000, 3_600_000);
    for (const [name, t] of this.topics) {
      this.expire(t, now);
      if (t.events.length === 0 && t.lastPublish < idleCutoff) this.topics.delete(name);
    }
  }

  async publish(request: PublishRequest): Promise<PublishOutcome> {
    return this.publishSync(request);
  }

  /** Synchronous publish, for callers in the same process that need no promise. */
  publishSync(request: PublishRequest): PublishOutcome {
    if (request.id !== undefined && this.seen !== undefined) {
      const prior = this.seen.get(request.id);
      if (prior !== undefined) {
        if (prior.topic !== request.topic) {
          throw new HeraldError("conflict", `event id "${request.id}" was already used on another topic`);
        }
        return { event: prior, duplicate: true };
      }
    }
    const now = this.now();
    const t = this.topic(request.topic);
    const event: HeraldEvent = {
      id: request.id ?? randomUUID(),
      topic: request.topic,
      event: request.event ?? "message",
      data: request.data,
      timestamp: now,
      seq: ++t.seq,
      epoch: t.epoch,
      offset: ++this.offset,
    };
    if (request.source !== undefined) event.source = request.source;
    if (request.sig !== undefined) event.sig = request.sig;
    t.lastPublish = now;
    t.events.push(event);
    this.stream.push(event);
    this.seen?.set(event.id, event);
    if (this.listeners.length > 0) {
      const frame = eventFrame(event);
      for (const l of this.listeners) l(event, frame);
    }
    return { event, duplicate: false };
  }

  async position(topic: string): Promise<TopicPosition> {
    const t = this.topic(topic);
    return { epoch: t.epoch, seq: t.seq };
  }

  async streamPosition(): Promise<StreamPosition> {
    return { epoch: this.streamEpoch, offset: this.offset };
  }

  async topicCount(): Promise<number> {
    return this.topics.size;
  }

  async history(topic: string, query: HistoryQuery): Promise<HistoryPage> {
    const t = this.topic(topic);
    this.expire(t, this.now());
    const since = query.since ?? 0;
    const first = t.events.first();
    const position = { epoch: t.epoch, seq: t.seq };
    if (first === undefined) return { events: [], position, truncated: t.seq > since };
    const from = since + 1 - first.seq;
    return { events: t.events.slice(from, query.limit), position, truncated: from < 0 };
  }

  async recoverTopic(topic: string, since: TopicPosition, maxEvents: number): Promise<Recovery<TopicPosition>> {
    const t = this.topic(topic);
    this.expire(t, this.now());
    const position = { epoch: t.epoch, seq: t.seq };
    const fail = { events: [], recovered: false, position };
    if (since.epoch !== t.epoch || since.seq > t.seq) return fail;
    const missed = t.seq - since.seq;
    if (missed === 0) return { events: [], recovered: true, position };
    if (missed > maxEvents) return fail;
    const first = t.events.first();
    if (first === undefined || first.seq > since.seq + 1) return fail;
    return { events: t.events.slice(since.seq + 1 - first.seq, missed), recovered: true, position };
  }

  async recoverPattern(pattern: string, since: StreamPosition, maxEvents: number): Promise<Recovery<StreamPosition>> {
    this.expireStream(this.now());
    const position = { epoch: this.streamEpoch, offset: this.offset };
    const fail = { events: [], recovered: false, position };
    if (since.epoch !== this.streamEpoch || since.offset > this.offset) return fail;
    if (since.offset === this.offset) return { events: [], recovered: true, position };
    const first = this.stream.first();
    if (first === undefined || first.offset > since.offset + 1) return fail;
    const events: HeraldEvent[] = [];
    for (let i = since.offset + 1 - first.offset; i < this.stream.length; i++) {
      const e = this.stream.at(i) as HeraldEvent;
      if (topicMatches(pattern, e.topic)) {
        if (events.length === maxEvents) return fail;
        events.push(e);
      }
    }
    return { events, recovered: true, position };
  }
}
