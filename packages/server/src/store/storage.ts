/**
 * The store, wired once for a gateway: the store (opened on first use) and durable history for
 * the memory broker. What else lives in it (state topics' checkpoints, the inbox and its
 * retention) is built by the gateway on this store.
 */
import type { HeraldConfig } from "../config-types.js";
import type { Namespaces } from "../hub/namespaces.js";
import type { Logger } from "../log.js";
import { DurableLog } from "./durable-log.js";
import { LazyStore } from "./lazy-store.js";
import type { Store } from "./store.js";
import { PostgresStore } from "./store-postgres.js";
import { SqliteStore } from "./store-sqlite.js";

/** Builds the configured store (not yet opened). */
export function createStore(config: HeraldConfig["store"]): Store {
  if (config.type === "postgres") {
    return new PostgresStore({
      url: config.url as string,
      schema: config.schema,
      poolSize: config.poolSize,
      timeoutMs: config.timeoutMs,
    });
  }
  return new SqliteStore({ path: config.path, timeoutMs: config.timeoutMs });
}

export class Storage {
  readonly store: LazyStore;
  readonly durable: DurableLog | undefined;

  constructor(config: HeraldConfig, namespaces: Namespaces, log: Logger, store?: Store) {
    this.store = new LazyStore(store ?? createStore(config.store), { retryMaxMs: config.store.retryMaxMs, log });
    if (config.namespaces.some((ns) => ns.durable)) {
      this.durable = new DurableLog({
        store: this.store,
        namespaces,
        maxBatch: config.store.batchMaxEvents,
        maxDelayMs: config.store.batchDelayMs,
        sweepMs: config.store.retentionSweepMs,
        log,
      });
    }
  }

  /** False while the store is down (after an outage error, until it commits again). */
  get ready(): boolean {
    return this.store.health.ready;
  }

  /** After the broker closed (and state topics checkpointed): closes the store. */
  async close(): Promise<void> {
    await this.store.close();
  }
}
