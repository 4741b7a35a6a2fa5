/**
 * Prometheus metrics (prom-client), one registry per gateway so several gateways can share a
 * process (tests, embedding). Counters on the hot path are bumped once per event, not once per
 * subscriber.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({
    name: "herald_connections",
    help: "Open client connections on this node, by transport",
    labelNames: ["transport"] as const,
    registers: [this.registry],
  });
  readonly subscriptions = new Gauge({
    name: "herald_subscriptions",
    help: "Subscriptions held by connections on this node",
    registers: [this.registry],
  });
  readonly published = new Counter({
    name: "herald_events_published_total",
    help: "Events accepted for publishing on this node, by origin",
    labelNames: ["origin"] as const,
    registers: [this.registry],
  });
  readonly delivered = new Counter({
    name: "herald_events_delivered_total",
    help: "Event deliveries offered to connections on this node",
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: "herald_delivery_latency_seconds",
    help: "Time from an event's acceptance to its dispatch to local connections",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: "herald_errors_total",
    help: "Errors answered to clients, by code",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });
  readonly disconnects = new Counter({
    name: "herald_disconnects_total",
    help: "Connections closed by the server, by close code",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });

  readonly httpRequests = new Histogram({
    name: "herald_http_request_duration_seconds",
    help: "HTTP API requests by method, route template and status, with their duration",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: "herald_" });
  }
}
