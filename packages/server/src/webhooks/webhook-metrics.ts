/**
 * The outgoing webhooks' metrics (docs/metrics.md). Registered on every gateway, webhooks on or
 * not, so the set of metrics does not depend on the configuration.
 */
import { Counter, Gauge, type Registry } from "prom-client";

export class WebhookMetrics {
  /** Events by outcome: delivered, dead_lettered. */
  readonly events = new Counter({
    name: "herald_webhook_events_total",
    help: "Outgoing webhook events (docs/hooks.md) by outcome: delivered, dead_lettered",
    labelNames: ["outcome"] as const,
    registers: [],
  });
  /** POSTs by outcome: ok, failed. */
  readonly posts = new Counter({
    name: "herald_webhook_posts_total",
    help: "Outgoing webhook POSTs by outcome: ok, failed (each retry counts)",
    labelNames: ["outcome"] as const,
    registers: [],
  });
  /** Where the dropped count is read (the lifecycle log), once webhooks run. */
  droppedSource: (() => Promise<number>) | undefined;
  readonly dropped: Gauge;

  constructor() {
    const self = this;
    this.dropped = new Gauge({
      name: "herald_webhook_dropped_total",
      help: "Outgoing webhook events dropped because webhooks.maxQueue events were waiting (the cluster's count on Redis)",
      registers: [],
      async collect() {
        this.set((await self.droppedSource?.().catch(() => 0)) ?? 0);
      },
    });
  }

  register(registry: Registry): void {
    registry.registerMetric(this.events);
    registry.registerMetric(this.posts);
    registry.registerMetric(this.dropped);
  }
}
