/**
 * Everything that lives in the store, wired once for a gateway: the store (opened on first
 * use), durable history for the memory broker, state topics and the inbox.
 */
import type { FastifyInstance } from "fastify";
import type { Guard } from "../api/auth.js";
import { registerInboxRoutes } from "../api/inbox.js";
import { registerStateRoutes } from "../api/state.js";
import type { HeraldConfig } from "../config-types.js";
import type { GatewayCore } from "../core.js";
import type { Namespaces } from "../hub/namespaces.js";
import { Inbox } from "../inbox/inbox.js";
import { InboxRetention } from "../inbox/retention.js";
import type { Logger } from "../log.js";
import { StateTopics } from "../state/state-topics.js";
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
  readonly state: StateTopics;
  private inboxInstance: Inbox | undefined;
  /** Background inbox retention (`inbox.maxPerUser`, `inbox.ttlDays`). */
  readonly inboxRetention: InboxRetention;

  constructor(
    private readonly config: HeraldConfig,
    namespaces: Namespaces,
    private readonly log: Logger,
    store?: Store,
  ) {
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
    this.state = new StateTopics({ namespaces, store: this.store, snapshotEvery: config.store.snapshotEvery, log });
    this.inboxRetention = new InboxRetention(
      this.store,
      { ...config.inbox, sweepMs: config.store.retentionSweepMs },
      log,
    );
  }

  /** Connects state topics and the inbox to the gateway core, and registers their routes. */
  attach(core: GatewayCore, app: FastifyInstance, guard: Guard): void {
    core.state = this.state;
    core.broker.onEvent((event) => this.state.apply(event));
    this.inboxInstance = new Inbox(
      this.store,
      (topic, event, data) => core.publish({ topic, event, data }, { origin: "inbox" }),
      this.log,
    );
    registerStateRoutes(app, core, guard, this.state);
    registerInboxRoutes(app, core, guard, this.inboxInstance);
  }

  /** False while the store is down (after an outage error, until it commits again). */
  get ready(): boolean {
    return this.store.health.ready;
  }

  /** The inbox (after `attach`). */
  get inbox(): Inbox {
    if (this.inboxInstance === undefined) throw new Error("storage is not attached");
    return this.inboxInstance;
  }

  /** After the broker started: rebuilds state documents from their checkpoints. */
  async start(core: GatewayCore): Promise<void> {
    if (this.config.namespaces.some((ns) => ns.state)) await this.state.load(core.broker);
    this.inboxRetention.start();
  }

  /** After the broker closed: checkpoints state and closes the store. */
  async close(): Promise<void> {
    await this.inboxRetention.close();
    await this.state.close();
    await this.store.close();
  }
}
