/**
 * Subscription filters, shared: every subscriber whose filter has the same canonical key
 * (`filterKey`) holds the same `SharedFilter`, which evaluates each event once and remembers
 * the answer for the event being dispatched. So an event reaching ten thousand subscribers with
 * three distinct filters is tested three times, not ten thousand; the other subscribers read a
 * remembered boolean (no allocation, no Map lookup).
 */
import {
  compileFilter,
  type Filter,
  type FilterLimits,
  type FilterPredicate,
  type FilterSubject,
  filterKey,
  type HeraldEvent,
} from "@herald/protocol";
import type { OutboundEvent } from "./outbound.js";

/** One compiled filter and the subscribers holding it. */
export class SharedFilter {
  private last: OutboundEvent | undefined;
  private lastResult = false;
  /** Subscriptions holding this filter; it is dropped from the registry at 0. */
  holders = 0;

  constructor(
    readonly key: string,
    private readonly predicate: FilterPredicate,
  ) {}

  /** Whether a live event matches; evaluated once per event, however many subscribers ask. */
  matches(out: OutboundEvent): boolean {
    if (out === this.last) return this.lastResult;
    this.last = out;
    this.lastResult = this.predicate(out.event as unknown as FilterSubject);
    return this.lastResult;
  }

  /** Whether a stored event (recovery, history) matches. */
  test(event: HeraldEvent): boolean {
    return this.predicate(event as unknown as FilterSubject);
  }
}

/** Interns filters by canonical key. */
export class FilterRegistry {
  private readonly byKey = new Map<string, SharedFilter>();

  /** @param limits size limits of one filter (config `subscriptions.filter`) */
  constructor(private readonly limits?: FilterLimits) {}

  /** The shared filter for `filter`; throws `invalid_filter` naming the first problem. */
  acquire(filter: Filter): SharedFilter {
    const key = filterKey(filter);
    let shared = this.byKey.get(key);
    if (shared === undefined) {
      shared = new SharedFilter(key, compileFilter(filter, this.limits));
      this.byKey.set(key, shared);
    }
    shared.holders++;
    return shared;
  }

  /** Gives back a filter taken with `acquire`. */
  release(shared: SharedFilter): void {
    if (--shared.holders <= 0 && this.byKey.get(shared.key) === shared) this.byKey.delete(shared.key);
  }

  /** Distinct filters held (for tests and metrics). */
  get size(): number {
    return this.byKey.size;
  }
}
