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
      if (!sub.internal) this.subscriptionCount++;
    }
  }

  remove(sub: HubSubscription): void {
    if (sub.pattern) {
      if (this.patterns.remove(sub.name, sub) && !sub.internal) this.subscriptionCount--;
      return;
    }
    const set = this.exact.get(sub.name);
    if (set?.delete(sub)) {
      if (!sub.internal) this.subscriptionCount--;
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
