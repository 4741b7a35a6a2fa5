/**
 * Per-connector metrics, registered in the gateway's Prometheus registry (`metrics.ts`):
 * received, accepted, rejected (dead-lettered), reconnects, lag and whether it is up.
 */
import { Counter, Gauge, type Registry } from "prom-client";

export class ConnectorMetrics {
  readonly received: Counter<"connector">;
  readonly accepted: Counter<"connector">;
  readonly rejected: Counter<"connector">;
  readonly reconnects: Counter<"connector">;
  readonly lag: Gauge<"connector">;
  readonly up: Gauge<"connector">;

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ["connector"] as const;
    this.received = new Counter({
      name: "herald_connector_received_total",
      help: "Messages read from the source, by connector",
      labelNames,
      registers,
    });
    this.accepted = new Counter({
      name: "herald_connector_accepted_total",
      help: "Messages published or found duplicates, by connector",
      labelNames,
      registers,
    });
    this.rejected = new Counter({
      name: "herald_connector_rejected_total",
      help: "Messages the publish path refused (dead-lettered), by connector",
      labelNames,
      registers,
    });
    this.reconnects = new Counter({
      name: "herald_connector_reconnects_total",
      help: "Reconnects to the source, by connector",
      labelNames,
      registers,
    });
    this.lag = new Gauge({
      name: "herald_connector_lag",
      help: "How far behind its source a connector is (messages or bytes, as the source measures it)",
      labelNames,
      registers,
    });
    this.up = new Gauge({
      name: "herald_connector_up",
      help: "1 while the connector is running, 0 otherwise",
      labelNames,
      registers,
    });
  }
}
