/**
 * The node's local subscriptions and the dispatch of events to them. Exact topics are one Map
 * lookup; patterns go through a trie. An event is serialised once (`OutboundEvent`) and a
 * session subscribed through several overlapping patterns receives it once.
 */
import type { HeraldEvent } from "@herald/protocol";
import { OutboundEvent } from "./outbound.js";
import { PatternTrie } from "./pattern-trie.js";

/** What the hub delivers to: one subscription of one session. */
export interface HubSubscription {
  /** The topic or pattern subscribed to. */
  readonly name: string;
  readonly pattern: boolean;
  /** Server-side subscriptions are not counted in `subscriptions`. */
  readonly internal?: boolean;
  /** Takes a live event. */
  offer(out: OutboundEvent): void;
}

export class Hub {
  private readonly exact = new Map<string, Set<HubSubscription>>();
  private readonly patterns = new PatternTrie<HubSubscription>();
  private subscriptionCount = 0;
  /** Client subscriptions per topic, kept only while someone listens to occupancy (outgoing webhooks). */
  private occupancy: { counts: Map<string, number>; listener: (topic: string, occupied: boolean) => void } | undefined;
  /**
   * Stream offset of the newest event dispatched on this node. Every event at or below it has
   * been written to the local sessions it matched, so a `pong` carrying it lets a client move an
   * idle pattern subscription's position forward (see docs/protocol.md, `ping`).
   */
  lastOffset = 0;
  /** Client subscriptions held on this node (server-side ones not counted). */
  get subscriptions(): number {
    return this.subscriptionCount;
  }

  /**
   * Calls `listener` when a topic gets its first client subscription on this node and when it
   * loses its last one (patterns and server-side subscriptions do not count).
   */
  observeOccupancy(listener: (topic: string, occupied: boolean) => void): void {
    this.occupancy = { counts: new Map(), listener };
  }

  private occupied(topic: string, delta: 1 | -1): void {
    const o = this.occupancy as NonNullable<Hub["occupancy"]>;
    const n = (o.counts.get(topic) ?? 0) + delta;
    if (n === 0) o.counts.delete(topic);
    else o.counts.set(topic, n);
    if (n === 1 && delta === 1) o.listener(topic, true);
    else if (n === 0) o.listener(topic, false);
  }

  add(sub: HubSubscription): void {
    if (sub.pattern) {
      if (this.patterns.add(sub.name, sub) && !sub.internal) this.subscriptionCount++;
      return;
    }
    let set = this.exact.get(sub.name);
    if (set === undefined) {
      set = new Set();
      this.exact.set(sub.name, set);
    }
    if (!set.has(sub)) {
      set.add(sub);
      if (!sub.internal) {
        this.subscriptionCount++;
        if (this.occupancy !== undefined) this.occupied(sub.name, 1);
      }
    }
  }

  remove(sub: HubSubscription): void {
    if (sub.pattern) {
      if (this.patterns.remove(sub.name, sub) && !sub.internal) this.subscriptionCount--;
      return;
    }
    const set = this.exact.get(sub.name);
    if (set?.delete(sub)) {
      if (!sub.internal) {
        this.subscriptionCount--;
        if (this.occupancy !== undefined) this.occupied(sub.name, -1);
      }
      if (set.size === 0) this.exact.delete(sub.name);
    }
  }

  /** Delivers a committed event to every matching local subscription. Returns the offers made. */
  dispatch(event: HeraldEvent, json: string): number {
    if (event.offset > this.lastOffset) this.lastOffset = event.offset;
    const set = this.exact.get(event.topic);
    if (set === undefined && this.patterns.size === 0) return 0;
    const out = new OutboundEvent(event, json);
    let n = 0;
    if (set !== undefined) {
      for (const sub of set) sub.offer(out);
      n += set.size;
    }
    if (this.patterns.size > 0) {
      this.patterns.match(event.topic, (sub) => {
        sub.offer(out);
        n++;
      });
    }
    return n;
  }
}
