/**
 * Delivery rate of one subscription: at most one delivery every `intervalMs`.
 *
 * The first event after a quiet interval goes out at once; later ones are held until the
 * interval has passed since the last delivery, then flushed together: `conflate` keeps only the
 * latest event per key (a field path, default the topic — e.g. the latest price per
 * instrument), `batch` keeps them all (in order). Held events are bounded by `maxHeld`: a
 * conflated subscription with more keys, or a batch with more events, flushes early rather than
 * growing.
 */
import { type FilterSubject, type HeraldEvent, readPath, type SubscriptionRate } from "@herald/protocol";
import type { OutboundEvent } from "./outbound.js";

export class RateGate {
  private readonly keyPath: string[] | undefined;
  private conflated: Map<unknown, OutboundEvent> | undefined;
  private batched: OutboundEvent[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastFlush = -Infinity;

  /**
   * @param rate the subscription's rate
   * @param flush receives the held events, oldest first
   * @param maxHeld most events (batch) or keys (conflate) held between flushes
   */
  constructor(
    readonly rate: SubscriptionRate,
    private readonly flush: (events: OutboundEvent[]) => void,
    private readonly maxHeld: number,
    private readonly now: () => number = Date.now,
  ) {
    this.keyPath = rate.key === undefined || rate.key === "topic" ? undefined : rate.key.split(".");
  }

  /** The conflation key of an event. */
  keyOf(event: HeraldEvent): unknown {
    if (this.keyPath === undefined) return event.topic;
    const v = readPath(event as unknown as FilterSubject, this.keyPath);
    return typeof v === "object" && v !== null ? JSON.stringify(v) : v;
  }

  offer(out: OutboundEvent): void {
    const now = this.now();
    if (this.timer === undefined && now - this.lastFlush >= this.rate.intervalMs) {
      this.lastFlush = now;
      this.flush([out]);
      return;
    }
    let held: number;
    if (this.rate.mode === "conflate") {
      this.conflated ??= new Map();
      const key = this.keyOf(out.event);
      this.conflated.delete(key); // re-inserted last: flushed in the order of the latest events
      this.conflated.set(key, out);
      held = this.conflated.size;
    } else {
      this.batched ??= [];
      this.batched.push(out);
      held = this.batched.length;
    }
    if (held >= this.maxHeld) {
      this.release();
      return;
    }
    if (this.timer === undefined) {
      const wait = Math.max(0, this.lastFlush + this.rate.intervalMs - now);
      this.timer = setTimeout(() => this.release(), wait);
      this.timer.unref();
    }
  }

  /** Reduces a list of stored events as this gate would (conflate: latest per key, in order). */
  reduce(events: HeraldEvent[]): HeraldEvent[] {
    if (this.rate.mode !== "conflate") return events;
    const latest = new Map<unknown, HeraldEvent>();
    for (const e of events) {
      const key = this.keyOf(e);
      latest.delete(key);
      latest.set(key, e);
    }
    return [...latest.values()];
  }

  /** Delivers what is held now. */
  release(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const held = this.conflated !== undefined ? [...this.conflated.values()] : (this.batched ?? []);
    this.conflated = undefined;
    this.batched = undefined;
    if (held.length === 0) return;
    this.lastFlush = this.now();
    this.flush(held);
  }

  /** Drops what is held (the subscription ended). */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.conflated = undefined;
    this.batched = undefined;
  }
}
