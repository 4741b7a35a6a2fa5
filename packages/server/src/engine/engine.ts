/**
 * Builds the engine a gateway runs on from `config.engine`: the broker, presence and cluster,
 * all in-process (`memory`) or all through one Redis (`redis`). Runs the node's periodic duties
 * (presence heartbeat, statistics report) and applies control messages from other nodes.
 */
import { CloseCode } from "@herald/protocol";
import { Gauge, type Registry } from "prom-client";
import type { HeraldConfig } from "../config-types.js";
import type { Namespaces } from "../hub/namespaces.js";
import type { Logger } from "../log.js";
import type { HistoryStore } from "../store/history-store.js";
import type { StoreAccess } from "../store/lazy-store.js";
import type { Persistence } from "../store/persistence.js";
import type { Broker } from "./broker.js";
import { MemoryBroker } from "./broker-memory.js";
import { RedisBroker } from "./broker-redis.js";
import type { Cluster, NodeStats } from "./cluster.js";
import { LocalCluster } from "./cluster-local.js";
import { RedisCluster } from "./cluster-redis.js";
import { RedisDurable } from "./durable-redis.js";
import { Presence } from "./presence.js";
import { MemoryPresence } from "./presence-memory.js";
import { RedisPresence } from "./presence-redis.js";
import { isResettable, type RedisConnection, redisConnectionOf } from "./redis-connection.js";
import type { ResumableSessions } from "./resumable.js";
import { MemoryResumable } from "./resumable-memory.js";
import { RedisResumable } from "./resumable-redis.js";

/** How often a node reports its statistics; a node silent for 5 intervals is gone. */
const REPORT_MS = 1000;

/** What the engine reads of the gateway it runs in (narrow, so the engine does not import the core). */
export interface EngineHost {
  readonly log: Logger;
  readonly sessions: {
    readonly size: number;
    readonly users: number;
    values(): Iterable<{ close(code: number, reason: string): void }>;
  };
  readonly metrics: { readonly registry: Registry };
  readonly hub: { readonly subscriptions: number };
}

export interface EngineHooks {
  /** Closes every connection of `user` on this node. */
  disconnectUser(user: string, reason: string): number;
}

/** What an engine may be given instead of building it: a broker (tests, embedding), the store's durable log. */
export interface EngineParts {
  /** A broker to run on (then presence and cluster stay in the process). */
  broker?: Broker;
  /** Where durable namespaces' history is kept (the store's durable log), on either engine. */
  persistence?: Persistence;
  /** The store's history, read by the Redis engine to seed a durable topic Redis does not know. */
  history?: StoreAccess<HistoryStore>;
}

/**
 * The engine for `config`: on `engine.type: redis` the Redis broker, presence, cluster and
 * resumable sessions on one shared connection; otherwise the in-process ones (with durable
 * history in the store when `persistence` is given).
 */
export function createEngine(config: HeraldConfig, namespaces: Namespaces, parts: EngineParts = {}): Engine {
  return new Engine(config, namespaces, parts);
}

export class Engine {
  readonly broker: Broker;
  readonly presence: Presence;
  readonly cluster: Cluster;
  /** Sessions a Socket.IO client may resume on any node (connection state recovery). */
  readonly resumable: ResumableSessions;
  /** The shared Redis connection when the engine is Redis (the parts built on it use this, never `instanceof`). */
  readonly redis: RedisConnection | undefined;
  /** Durable namespaces on the Redis engine: the committer to the store (`durable-redis.ts`). */
  private readonly durable: { committer: RedisDurable; broker: RedisBroker } | undefined;
  private timer: NodeJS.Timeout | undefined;

  private report: () => Promise<NodeStats[]> = async () => [];

  /** Use `createEngine`: the one place a broker, presence and cluster are chosen. */
  constructor(config: HeraldConfig, namespaces: Namespaces, parts: EngineParts = {}) {
    const { broker, persistence, history } = parts;
    const presenceOptions = { ttlSeconds: config.presence.ttlSeconds, maxMembers: config.presence.maxMembers };
    if (broker === undefined && config.engine.type === "redis") {
      const committer =
        persistence !== undefined && history !== undefined
          ? new RedisDurable({
              persistence,
              store: history,
              pendingMax: config.engine.durablePendingMax,
              ackTimeoutMs: config.engine.durableAckTimeoutMs,
              batchMax: config.store.batchMaxEvents,
            })
          : undefined;
      const redis = new RedisBroker({
        ...(committer !== undefined && { durable: committer }),
        namespaces,
        recovery: config.recovery,
        idempotency: config.idempotency,
        url: config.engine.redisUrl,
        sentinels: config.engine.sentinels,
        sentinelName: config.engine.sentinelName,
        keyPrefix: config.engine.keyPrefix,
        commandTimeoutMs: config.engine.commandTimeoutMs,
        healthCheckMs: config.engine.healthCheckMs,
        publishBatchMax: config.engine.publishBatchMax,
        ackReplicas: config.engine.ackReplicas,
        ackReplicasTimeoutMs: config.engine.ackReplicasTimeoutMs,
      });
      this.broker = redis;
      this.redis = redis;
      this.durable = committer === undefined ? undefined : { committer, broker: redis };
      this.presence = new Presence(new RedisPresence(redis, config.presence.ttlSeconds), presenceOptions);
      this.cluster = new RedisCluster(redis, 5 * REPORT_MS);
      this.resumable = new RedisResumable(redis);
    } else {
      // The memory engine: durable namespaces keep their history in the store (`persistence`).
      this.broker =
        broker ??
        new MemoryBroker({
          namespaces,
          recovery: config.recovery,
          idempotency: config.idempotency,
          ...(persistence !== undefined && { persistence }),
        });
      this.presence = new Presence(new MemoryPresence(), presenceOptions);
      this.cluster = new LocalCluster();
      // An injected broker (tests, embedding) is not Redis-aware here: sessions stay in the process.
      this.resumable = new MemoryResumable();
      // An injected Redis broker still offers its connection (the compute lease, webhooks, metrics).
      this.redis = redisConnectionOf(this.broker);
    }
  }

  /** Starts the broker, presence and cluster, and the node's periodic duties. */
  async start(core: EngineHost, hooks: EngineHooks): Promise<void> {
    await this.broker.start();
    const broker = this.broker;
    await this.durable?.committer.start(this.durable.broker, this.cluster.nodeId, core.log);
    if (isResettable(broker)) {
      // Redis lost the stream: live connections cannot be exact any more. Asking them to
      // reconnect makes each resubscribe with its position and learn `recovered: false`.
      broker.onReset(() => {
        core.log.warn("redis lost the event stream; asking every connection to reconnect");
        for (const s of [...core.sessions.values()]) s.close(CloseCode.unavailable, "the event stream was reset");
      });
    }
    this.cluster.onControl((m) => {
      if (m.type === "disconnect_user") hooks.disconnectUser(m.user, m.reason);
    });
    await this.cluster.start();
    await this.presence.start();
    const gauge = new Gauge({
      name: "herald_node_connections",
      help: "Open client connections per gateway node (as last reported by each node)",
      labelNames: ["node"] as const,
      registers: [core.metrics.registry],
    });
    this.report = async () => {
      const stats: NodeStats = {
        node: this.cluster.nodeId,
        pid: process.pid,
        connections: core.sessions.size,
        users: core.sessions.users,
        subscriptions: core.hub.subscriptions,
        updatedAt: Date.now(),
      };
      await this.cluster.report(stats);
      const nodes = await this.cluster.nodes();
      gauge.reset();
      for (const n of nodes) gauge.set({ node: n.node }, n.connections);
      return nodes;
    };
    const report = this.report;
    await report().catch(() => {});
    this.timer = setInterval(() => {
      report().catch((err) => core.log.debug({ err }, "node report failed"));
    }, REPORT_MS);
    this.timer.unref();
  }

  /** Reports this node's statistics now and returns those of every live node. */
  async nodes(): Promise<NodeStats[]> {
    return this.report();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.presence.close().catch(() => {});
    await this.cluster.close().catch(() => {});
    await this.resumable.close().catch(() => {});
    await this.durable?.committer.close().catch(() => {});
    await this.broker.close();
  }
}
