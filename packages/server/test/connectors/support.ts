/**
 * Support for connector tests: a real gateway whose committed events are collected, sinks that
 * inject the pipeline's failure modes in front of the real `Ingest`, and a wait helper that
 * names what it waited for.
 */
import { randomUUID } from "node:crypto";
import { HeraldError, type HeraldEvent } from "@herald/protocol";
import { Registry } from "prom-client";
import { resolveConfig } from "../../src/config.js";
import type { CheckpointStore, Connector } from "../../src/connectors/connector.js";
import type { ConnectorConfig } from "../../src/connectors/connector-config.js";
import type { ConnectorTypeName } from "../../src/connectors/connector-types.js";
import { ConnectorMetrics } from "../../src/connectors/metrics.js";
import { CONNECTOR_TYPES } from "../../src/connectors/registry.js";
import type { Gateway } from "../../src/gateway.js";
import type { IngestRequest, IngestResult, IngestSink, Refusal } from "../../src/pipeline/ingest.js";

/** Polls `check` until it holds; fails naming `what` after `timeoutMs`. */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A unique, topic-safe suffix for one test's source names. */
export function unique(): string {
  return randomUUID().replace(/-/g, "").slice(0, 12);
}

/** Collects every event the gateway commits under a topic prefix (what every subscriber sees). */
export class Collector {
  readonly events: HeraldEvent[] = [];
  constructor(gateway: Gateway, prefix: string) {
    gateway.onEvent((e) => {
      if (e.topic.startsWith(`${prefix}.`)) this.events.push(e);
    });
  }

  /** The `n` fields of the events of one key, in delivery order. */
  numbers(key?: string): number[] {
    return this.events
      .filter((e) => key === undefined || (e.data as { key?: string }).key === key)
      .map((e) => Number((e.data as { n: unknown }).n));
  }
}

/** Modes of a `FaultSink`. */
export type Fault =
  | "none"
  /** Publishes, then answers `unavailable`: the event is kept but the connector believes it was not. */
  | "kept-but-refused"
  /** Answers `unavailable` without publishing, the first time each event is offered. */
  | "refuse-first"
  /** Answers `unavailable` to everything (the pipeline is down). */
  | "refuse-all";

/** The real ingest sink with failures injected in front of it, and offer concurrency measured. */
export class FaultSink implements IngestSink {
  fault: Fault = "none";
  /** Extra delay per offer, ms (a slow pipeline). */
  delayMs = 0;
  private readonly tried = new Set<string>();
  private running = 0;
  /** Most offers seen running at once. */
  maxConcurrent = 0;
  /** Checked at every offer (e.g. that the connector read no more than its bound). */
  onOffer: (() => void) | undefined;

  constructor(private readonly inner: IngestSink) {}

  async offer(request: IngestRequest): Promise<IngestResult> {
    this.running++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    this.onOffer?.();
    try {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      const key = JSON.stringify([request.id, request.topic, request.data]);
      const first = !this.tried.has(key);
      this.tried.add(key);
      if (this.fault === "refuse-all" || (this.fault === "refuse-first" && first)) {
        throw new HeraldError("unavailable", "injected: pipeline unavailable");
      }
      const result = await this.inner.offer(request);
      if (this.fault === "kept-but-refused" && first) throw new HeraldError("unavailable", "injected: ack lost");
      return result;
    } finally {
      this.running--;
    }
  }

  reject(request: IngestRequest, refusal: Refusal): Promise<IngestResult> {
    return this.inner.reject(request, refusal);
  }
}

/** Builds a connector of `type` the way the gateway does (defaults, option checks). */
export async function buildConnector(
  gateway: Gateway,
  entry: Partial<ConnectorConfig> & { type: string; name: string },
): Promise<Connector> {
  const config = resolveConfig({ connectors: [entry] }).connectors[0] as ConnectorConfig;
  const factory = await CONNECTOR_TYPES[entry.type as ConnectorTypeName]();
  return factory(config, {
    log: gateway.log,
    metrics: new ConnectorMetrics(new Registry()),
    redisUrl: gateway.config.engine.redisUrl,
    keyPrefix: gateway.config.engine.keyPrefix,
    maxJsonDepth: gateway.config.limits.maxJsonDepth,
  });
}

/** Starts `connector` on `sink` with `checkpoints`; returns a function that stops it. */
export async function run(connector: Connector, sink: IngestSink, checkpoints: CheckpointStore): Promise<void> {
  await connector.start({ sink, checkpoints, signal: new AbortController().signal });
}
