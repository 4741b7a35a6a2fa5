/**
 * The configured connectors of one gateway: built from `connectors[]` (options checked when it
 * starts), started after the broker and store, stopped before them, reported in `/api/info`
 * and `/readyz`. Every connector feeds the same `Ingest` sink, i.e. the one publish path.
 */
import type { HeraldConfig } from "../config-types.js";
import type { GatewayCore } from "../core.js";
import type { Logger } from "../log.js";
import type { DeadLetterStore } from "../pipeline/dead-letter.js";
import { MemoryDeadLetterStore } from "../pipeline/dead-letter-memory.js";
import { Ingest } from "../pipeline/ingest.js";
import { MemoryCheckpointStore } from "./checkpoint-memory.js";
import { PostgresCheckpointStore } from "./checkpoint-postgres.js";
import { SqliteCheckpointStore } from "./checkpoint-sqlite.js";
import type { CheckpointStore, Connector, ConnectorHealth } from "./connector.js";
import type { ConnectorTypeName } from "./connector-types.js";
import { ConnectorMetrics } from "./metrics.js";
import { CONNECTOR_TYPES } from "./registry.js";

/** A connector as `/api/info` and `/readyz` list it. */
export interface ConnectorStatus extends ConnectorHealth {
  name: string;
  type: string;
  required: boolean;
}

/** A checkpoint store that can be closed with the gateway. */
export type ClosableCheckpointStore = CheckpointStore & { close(): Promise<void> };

/**
 * Where checkpoints live: the configured store (SQLite file or Postgres), or memory when the
 * gateway runs on an injected store object or a `:memory:` SQLite file.
 */
export function checkpointStoreFor(config: HeraldConfig["store"], injected: boolean): ClosableCheckpointStore {
  if (injected) return new MemoryCheckpointStore();
  if (config.type === "postgres") return new PostgresCheckpointStore(config.url as string, config.schema);
  if (config.path === ":memory:") return new MemoryCheckpointStore();
  return new SqliteCheckpointStore(config.path);
}

export class Connectors {
  private readonly list: Connector[] = [];
  private readonly abort = new AbortController();
  private readonly metrics: ConnectorMetrics;
  /** The sink every connector offers to. */
  readonly sink: Ingest;
  private started = false;

  constructor(
    private readonly core: GatewayCore,
    private readonly log: Logger,
    readonly checkpoints: ClosableCheckpointStore,
    readonly deadLetters: DeadLetterStore = new MemoryDeadLetterStore(),
  ) {
    this.metrics = new ConnectorMetrics(core.metrics.registry);
    this.sink = new Ingest((request, context) => core.publish(request, context), deadLetters);
  }

  private get configs(): HeraldConfig["connectors"] {
    return this.core.config.connectors;
  }

  /** Builds every configured connector (throws `ConfigError` on a bad option), then starts them. */
  async start(): Promise<void> {
    if (this.started || this.configs.length === 0) return;
    this.started = true;
    for (const config of this.configs) {
      const factory = await CONNECTOR_TYPES[config.type as ConnectorTypeName]();
      this.list.push(
        factory(config, {
          log: this.log,
          metrics: this.metrics,
          redisUrl: this.core.config.engine.redisUrl,
          keyPrefix: this.core.config.engine.keyPrefix,
          maxJsonDepth: this.core.config.limits.maxJsonDepth,
        }),
      );
    }
    const context = { sink: this.sink, checkpoints: this.checkpoints, signal: this.abort.signal };
    try {
      for (const connector of this.list) await connector.start(context);
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.log.info({ connectors: this.list.map((c) => c.name) }, "connectors started");
  }

  /** Stops every connector (each waits for its pending offers and commits its checkpoint). */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.list.map((c) => c.stop()));
    await this.checkpoints.close();
  }

  /** The connector called `name`, if any. */
  get(name: string): Connector | undefined {
    return this.list.find((c) => c.name === name);
  }

  /** Every connector with its health. */
  status(): ConnectorStatus[] {
    return this.list.map((c) => ({ name: c.name, type: c.type, required: c.required, ...c.health() }));
  }

  /** False while a required connector is failed or reconnecting. */
  get ready(): boolean {
    return this.list.every((c) => !c.required || !["failed", "reconnecting"].includes(c.health().state));
  }
}
