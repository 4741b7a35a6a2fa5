/**
 * Outgoing webhooks, wired (docs/hooks.md, "Outgoing webhooks"): this node's hub, sessions and
 * presence tell the tracker what it holds; the lifecycle log (in memory, or on Redis shared by
 * the cluster) turns cluster-wide changes into events; the deliverer — on one node at a time,
 * the lease holder — POSTs them in order. On Redis the lease holder also lets go of what silent
 * nodes held, and every node marks itself alive.
 */
import { type EmitterLease, LocalLease, RedisLease } from "../engine/lease.js";
import type { RedisConnection } from "../engine/redis-connection.js";
import type { Hub } from "../hub/hub.js";
import type { Logger } from "../log.js";
import type { DeadLetterStore } from "../pipeline/dead-letter.js";
import type { Sessions } from "../sessions.js";
import type { LifecycleFields } from "./lifecycle-event.js";
import type { LifecycleLog } from "./lifecycle-log.js";
import { MemoryLifecycleLog } from "./lifecycle-log-memory.js";
import { RedisLifecycleLog } from "./lifecycle-log-redis.js";
import { LifecycleTracker } from "./lifecycle-tracker.js";
import { WebhookDeliverer } from "./webhook-deliverer.js";
import type { WebhookMetrics } from "./webhook-metrics.js";
import type { WebhooksConfig } from "./webhooks-config.js";

export interface WebhookParts {
  hub: Hub;
  sessions: Sessions<{ readonly user: string | undefined }>;
  /** The engine's shared Redis connection when the engine is Redis, else undefined. */
  redis: RedisConnection | undefined;
  nodeId: string;
  deadLetters: DeadLetterStore;
  log: Logger;
}

export class Webhooks {
  readonly tracker: LifecycleTracker;
  readonly log: LifecycleLog;
  readonly deliverer: WebhookDeliverer;
  private readonly lease: EmitterLease;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: WebhooksConfig,
    private readonly parts: WebhookParts,
    metrics: WebhookMetrics,
  ) {
    const redis = parts.redis;
    this.log =
      redis === undefined
        ? new MemoryLifecycleLog(config.maxQueue)
        : new RedisLifecycleLog(redis.redis, redis.prefix, parts.nodeId, config.maxQueue);
    this.lease =
      redis === undefined
        ? new LocalLease()
        : new RedisLease(redis.redis, redis.prefix, parts.nodeId, parts.log, 2000, 6000, "wh:deliverer");
    metrics.droppedSource = () => this.log.dropped();
    this.tracker = new LifecycleTracker(this.log, config.events, parts.log);
    this.deliverer = new WebhookDeliverer(config, this.log, this.lease, parts.deadLetters, parts.log, metrics);
    parts.hub.observeOccupancy((topic, occupied) => this.tracker.channel(topic, occupied));
    parts.sessions.observeUsers((user, connected) => this.tracker.user(user, connected));
  }

  async start(): Promise<void> {
    await this.lease.start();
    await this.log.heartbeat();
    this.deliverer.start();
    if (this.parts.redis !== undefined) {
      const every = Math.max(250, Math.floor(this.config.nodeTimeoutMs / 3));
      this.timer = setInterval(() => void this.beat(), every);
      this.timer.unref();
    }
  }

  /**
   * Marks this node alive and, when the log's record of this node may be wrong (it was taken for
   * gone, or a change failed), reconciles it; the lease holder lets go of silent nodes.
   */
  async beat(): Promise<void> {
    try {
      if (await this.log.heartbeat()) {
        this.parts.log.warn("webhooks: this node was taken for gone; its channels, members and users are held again");
        this.tracker.dirty = true;
      }
      if (this.tracker.dirty) await this.tracker.reconcile();
      if (this.lease.held) await this.log.release(this.config.nodeTimeoutMs);
    } catch (err) {
      this.parts.log.warn({ err }, "webhooks: node mark not refreshed");
    }
  }

  /** Queues an alert or analysis-session event (sent when `webhooks.events` lists it). */
  announce(fields: LifecycleFields): void {
    this.tracker.announce(fields);
  }

  /**
   * After the node's sessions are gone: records their last changes, lets go of what is still
   * held (a single process: nothing; the events are sent in the last round), sends what it can,
   * and stops.
   */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.tracker.settled();
    await this.log.releaseSelf().catch((err) => this.parts.log.warn({ err }, "webhooks: holdings not let go"));
    await this.deliverer.tick();
    await this.deliverer.close();
    await this.lease.close();
  }
}
