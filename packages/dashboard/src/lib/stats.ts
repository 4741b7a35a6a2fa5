/**
 * The stats samples of every node (the `herald.stats` topic), kept as a bounded window per
 * node and folded into chart series: one node's, or the cluster's (sums; latency as the worst
 * node's percentile, since percentiles cannot be added).
 */

/** One node's sample, as the gateway publishes it (see packages/server/src/dashboard/node-stats.ts). */
export interface StatsSample {
  node: string;
  at: number;
  intervalMs: number;
  connections: number;
  subscriptions: number;
  users: number;
  eventsIn: number;
  eventsOut: number;
  errors: number;
  latencyMs: { p50: number | null; p90: number | null; p99: number | null };
  topics: Array<{ topic: string; rate: number }>;
}

/** Samples kept per node (two minutes at one per second). */
export const WINDOW = 120;

export type Samples = ReadonlyMap<string, readonly StatsSample[]>;

/** Adds a sample to its node's window (in time order, bounded, without duplicates). */
export function addSample(samples: Samples, s: StatsSample): Map<string, StatsSample[]> {
  const out = new Map(samples as Map<string, StatsSample[]>);
  const list = [...(out.get(s.node) ?? [])];
  if (list.length > 0 && (list[list.length - 1] as StatsSample).at >= s.at) {
    if (list.some((x) => x.at === s.at)) return out; // replayed after a reconnect: already here
    list.push(s);
    list.sort((a, b) => a.at - b.at);
  } else list.push(s);
  out.set(s.node, list.length > WINDOW ? list.slice(list.length - WINDOW) : list);
  return out;
}

/** Nodes that sent a sample within `staleMs` of the newest one, by id. */
export function liveNodes(samples: Samples, staleMs: number): string[] {
  let newest = 0;
  for (const list of samples.values()) newest = Math.max(newest, list[list.length - 1]?.at ?? 0);
  return [...samples]
    .filter(([, list]) => (list[list.length - 1]?.at ?? 0) >= newest - staleMs)
    .map(([node]) => node)
    .sort();
}

export interface Folded {
  /** Seconds since the Unix epoch (uPlot's x). */
  t: number[];
  connections: number[];
  subscriptions: number[];
  eventsIn: number[];
  eventsOut: number[];
  errors: number[];
  p50: Array<number | null>;
  p90: Array<number | null>;
  p99: Array<number | null>;
}

const worst = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/** The series of one node, or of the given nodes added up per interval. */
export function fold(samples: Samples, nodes: readonly string[], intervalMs: number): Folded {
  const buckets = new Map<number, StatsSample>();
  for (const node of nodes) {
    for (const s of samples.get(node) ?? []) {
      const key = Math.round(s.at / intervalMs);
      const b = buckets.get(key);
      if (b === undefined) buckets.set(key, { ...s, latencyMs: { ...s.latencyMs } });
      else {
        b.at = Math.max(b.at, s.at);
        b.connections += s.connections;
        b.subscriptions += s.subscriptions;
        b.eventsIn += s.eventsIn;
        b.eventsOut += s.eventsOut;
        b.errors += s.errors;
        b.latencyMs.p50 = worst(b.latencyMs.p50, s.latencyMs.p50);
        b.latencyMs.p90 = worst(b.latencyMs.p90, s.latencyMs.p90);
        b.latencyMs.p99 = worst(b.latencyMs.p99, s.latencyMs.p99);
      }
    }
  }
  const rows = [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
  return {
    t: rows.map((s) => s.at / 1000),
    connections: rows.map((s) => s.connections),
    subscriptions: rows.map((s) => s.subscriptions),
    eventsIn: rows.map((s) => s.eventsIn),
    eventsOut: rows.map((s) => s.eventsOut),
    errors: rows.map((s) => s.errors),
    p50: rows.map((s) => s.latencyMs.p50),
    p90: rows.map((s) => s.latencyMs.p90),
    p99: rows.map((s) => s.latencyMs.p99),
  };
}
