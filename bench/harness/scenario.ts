/** What a scenario is: who connects, what they subscribe to, what gets published how fast. */
import type { ServerKind, Subscription } from "./messages.js";

export interface Scenario {
  name: string;
  /** One line for the report. */
  description: string;
  /** Servers able to run it (patterns, for one, exist only in Herald). */
  servers: readonly ServerKind[];
  /** Connections opened. */
  connections: number;
  /** Subscriptions of connection `g` (0-based). */
  subscriptions(g: number): Subscription[];
  /** Topic keys the publisher publishes to, round-robin. */
  keys: number[];
  /** Target deliveries/s of each step, rising; empty for an idle-only scenario. */
  rates: number[];
  /** Stop raising the rate after the first step a server did not keep up with. @default true */
  stopAtKnee?: boolean;
}

/** How many subscribers receive an event on each key (computed from the subscriptions). */
export function fanOut(s: Scenario): Map<number, number> {
  const m = new Map<number, number>();
  for (let g = 0; g < s.connections; g++) {
    for (const sub of s.subscriptions(g)) for (const k of sub.keys) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}
