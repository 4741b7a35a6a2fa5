/**
 * A connector brings events from a source (a webhook, Redis, NATS, MQTT, Postgres changes, IPFS
 * pubsub, a CometBFT chain) into the one publish path.
 *
 * Contract (every implementation passes `test/suites/connector.suite.ts`):
 * - **At least once into the pipeline.** Each source message is handed to `IngestSink.offer`;
 *   the connector acknowledges it to the source, or commits its checkpoint past it, only after
 *   `offer` resolved (published, duplicate, or dead-lettered — each means "kept"). When `offer`
 *   rejects, nothing was kept: the message is offered again later. Event ids are derived from
 *   the source's own identity of the message (stream id, sequence, LSN, tx hash + index), so a
 *   redelivery is a duplicate by `id` and subscribers see it once.
 * - **Order.** Messages that share an ordering key (a topic, a table row, a chain) are offered
 *   one at a time, in source order.
 * - **Backpressure.** At most `maxInFlight` offers are pending; beyond that the connector stops
 *   reading from the source (pause, stop fetching) until offers resolve. Nothing is buffered
 *   without bound.
 * - **Reconnect.** A lost source connection is retried with exponential backoff and jitter;
 *   `health()` says `reconnecting` meanwhile, and resumes from the last checkpoint.
 * - **Provenance.** Every offered event carries `source` = the connector's name.
 * - `start` resolves once the connector is reading (or rejects with a clear error when its
 *   configuration is wrong); `stop` stops reading, waits for pending offers, commits the last
 *   checkpoint and releases connections. Both are idempotent.
 */
import type { IngestSink } from "../pipeline/ingest.js";

/** Where a connector keeps its position in the source across restarts. */
export interface CheckpointStore {
  /** The last committed checkpoint of connector `name`, or undefined when none. */
  load(name: string): Promise<string | undefined>;
  /** Commits `checkpoint` for connector `name`; resolves once it is kept. */
  save(name: string, checkpoint: string): Promise<void>;
}

export type ConnectorState = "starting" | "running" | "reconnecting" | "stopped" | "failed";

export interface ConnectorHealth {
  state: ConnectorState;
  /** Counters since start. */
  received: number;
  accepted: number;
  rejected: number;
  reconnects: number;
  /** How far behind the source the connector is (messages or ms, as the source measures it). */
  lag?: number;
  /** The last error, when the state is `reconnecting` or `failed`. */
  lastError?: string;
}

/** What a connector gets when it starts. */
export interface ConnectorContext {
  sink: IngestSink;
  checkpoints: CheckpointStore;
  /** Aborted when the gateway stops. */
  signal: AbortSignal;
}

export interface Connector {
  /** Unique name; also the `source` of every event it offers. */
  readonly name: string;
  /** The connector type, e.g. `redis-stream`, `nats`, `mqtt`, `pg-listen`. */
  readonly type: string;
  /** A failed required connector makes the node not ready. @default true */
  readonly required: boolean;
  start(context: ConnectorContext): Promise<void>;
  stop(): Promise<void>;
  health(): ConnectorHealth;
}
