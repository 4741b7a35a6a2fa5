/**
 * Each node publishes one stats sample per `dashboard.statsIntervalMs` to `dashboard.statsTopic`:
 * its connections, subscriptions, events in and out per second, errors per second, delivery
 * latency percentiles and busiest topics. The samples are read from the node's Prometheus
 * metrics (nothing new is counted on the hot path except one map increment per event for the
 * busiest topics), so the dashboard charts exactly what `/metrics` reports, per node.
 */
import type { GatewayCore } from "../core.js";
import { bucketDelta, type CumulativeBuckets, quantile } from "./quantiles.js";

/** One node's sample, the `data` of a `stats` event on the stats topic. */
export interface StatsSample {
  /** The node that measured it (`engine` node id). */
  node: string;
  /** When the interval ended, ms since the Unix epoch. */
  at: number;
  /** Length of the interval, ms. */
  intervalMs: number;
  connections: number;
  subscriptions: number;
  /** Distinct users connected. */
  users: number;
  /** Events accepted for publishing on this node per second (the stats events themselves excluded). */
  eventsIn: number;
  /** Deliveries offered to connections on this node per second. */
  eventsOut: number;
  /** Errors answered to clients per second. */
  errors: number;
  /** Delivery latency percentiles over the interval, ms (`null`: nothing delivered). */
  latencyMs: { p50: number | null; p90: number | null; p99: number | null };
  /** The busiest topics of the interval, events per second, busiest first. */
  topics: Array<{ topic: string; rate: number }>;
}

/** Topics counted per interval; events on further topics count only in the totals. @default 10000 */
const MAX_COUNTED_TOPICS = 10_000;

interface Reading {
  at: number;
  published: number;
  delivered: number;
  errors: number;
  latency: CumulativeBuckets;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export class NodeStats {
  private timer: ReturnType<typeof setInterval> | undefined;
  private previous: Reading | undefined;
  private counts = new Map<string, number>();
  private sampling = false;

  constructor(private readonly core: GatewayCore) {
    const topic = core.config.dashboard.statsTopic;
    core.engine.broker.onEvent((event) => {
      if (this.timer === undefined || event.topic === topic) return;
      const n = this.counts.get(event.topic);
      if (n !== undefined) this.counts.set(event.topic, n + 1);
      else if (this.counts.size < MAX_COUNTED_TOPICS) this.counts.set(event.topic, 1);
    });
  }

  /** Starts sampling (no-op when `dashboard.statsTopic` is `""`). */
  async start(): Promise<void> {
    const { statsTopic, statsIntervalMs } = this.core.config.dashboard;
    if (statsTopic === "" || this.timer !== undefined) return;
    this.previous = await this.read();
    this.timer = setInterval(() => void this.tick(), statsIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.sampling) return; // a slow broker must not stack samples up
    this.sampling = true;
    try {
      const sample = await this.sample();
      if (this.timer === undefined || !this.core.engine.broker.ready) return;
      await this.core.publish(
        { topic: this.core.config.dashboard.statsTopic, event: "stats", data: sample },
        { origin: "stats" },
      );
    } catch (err) {
      this.core.log.debug({ err }, "stats sample not published");
    } finally {
      this.sampling = false;
    }
  }

  /** Measures the interval since the last call (or since `start`). */
  async sample(): Promise<StatsSample> {
    const now = await this.read();
    const before = this.previous ?? now;
    this.previous = now;
    const seconds = Math.max(0.001, (now.at - before.at) / 1000);
    const perSecond = (a: number, b: number) => round(Math.max(0, a - b) / seconds, 2);
    const latency = bucketDelta(now.latency, before === now ? undefined : before.latency);
    const ms = (q: number) => {
      const v = quantile(q, latency);
      return v === null ? null : round(v * 1000, 3);
    };
    const counts = this.counts;
    this.counts = new Map();
    const topics = [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, this.core.config.dashboard.statsTopTopics)
      .map(([topic, n]) => ({ topic, rate: round(n / seconds, 2) }));
    return {
      node: this.core.engine.cluster.nodeId,
      at: now.at,
      intervalMs: now.at - before.at,
      connections: this.core.sessions.size,
      subscriptions: this.core.hub.subscriptions,
      users: this.core.sessions.users,
      eventsIn: perSecond(now.published, before.published),
      eventsOut: perSecond(now.delivered, before.delivered),
      errors: perSecond(now.errors, before.errors),
      latencyMs: { p50: ms(0.5), p90: ms(0.9), p99: ms(0.99) },
      topics,
    };
  }

  private async read(): Promise<Reading> {
    const m = this.core.metrics;
    const [published, delivered, errors, latency] = await Promise.all([
      m.published.get(),
      m.delivered.get(),
      m.errors.get(),
      m.latency.get(),
    ]);
    const sum = (values: Array<{ value: number; labels: Record<string, unknown> }>, skip?: (l: object) => boolean) =>
      values.reduce((total, v) => (skip?.(v.labels) ? total : total + v.value), 0);
    const buckets = new Map<number, number>();
    for (const v of latency.values) {
      if (!v.metricName?.endsWith("_bucket")) continue;
      const le = v.labels.le;
      buckets.set(le === "+Inf" ? Infinity : Number(le), v.value);
    }
    return {
      at: Date.now(),
      published: sum(published.values, (l) => (l as { origin?: string }).origin === "stats"),
      delivered: sum(delivered.values),
      errors: sum(errors.values),
      latency: buckets,
    };
  }
}
