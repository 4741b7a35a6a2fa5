/**
 * Aggregations, alert rules and analysis sessions wired for one gateway: their store, their
 * context (hub subscriptions, the publish path, the clock), their routes. Built by
 * `gateway.ts`; each part runs only when its config section is enabled.
 */
import type { HeraldConfig } from "../config-types.js";
import type { GatewayCore } from "../core.js";
import { type EmitterLease, LocalLease, RedisLease } from "../engine/lease.js";
import type { Inbox } from "../inbox/inbox.js";
import type { Logger } from "../log.js";
import type { DeadLetterStore } from "../pipeline/dead-letter.js";
import { MemoryDeadLetterStore } from "../pipeline/dead-letter-memory.js";
import { StreamSessions } from "../streams/sessions.js";
import type { LifecycleFields } from "../webhooks/lifecycle-event.js";
import { Aggregations } from "./aggregations.js";
import { Alerts } from "./alerts/alerts.js";
import { WebhookSender } from "./alerts/webhook.js";
import type { ComputeStore } from "./compute-store.js";
import { MemoryComputeStore } from "./compute-store-memory.js";
import { PostgresComputeStore } from "./compute-store-postgres.js";
import { SqliteComputeStore } from "./compute-store-sqlite.js";
import { type Clock, type ComputeContext, systemClock } from "./context.js";

/** Builds the compute store beside the configured main store. */
export function createComputeStore(config: HeraldConfig["store"]): ComputeStore {
  if (config.type === "postgres") {
    return new PostgresComputeStore({ url: config.url as string, schema: config.schema });
  }
  return new SqliteComputeStore(config.path);
}

export interface ComputeOptions {
  /** The compute store; built from `config.store` when absent (`MemoryComputeStore` is for tests). */
  store?: ComputeStore;
  clock?: Clock;
  /** Where failed webhook deliveries go. @default a MemoryDeadLetterStore of `alerts.webhook.deadLetterSize` */
  deadLetters?: DeadLetterStore;
}

export class Compute {
  readonly store: ComputeStore;
  readonly clock: Clock;
  readonly deadLetters: DeadLetterStore;
  private ctx: ComputeContext | undefined;
  private aggregationsPart: Aggregations | undefined;
  private alertsPart: Alerts | undefined;
  private streamsPart: StreamSessions | undefined;
  private webhooks: WebhookSender | undefined;
  private opened = false;
  private lease: EmitterLease = new LocalLease();

  constructor(
    private readonly config: HeraldConfig,
    private readonly log: Logger,
    options: ComputeOptions = {},
  ) {
    const on = config.compute.enabled || config.streams.enabled;
    this.store = options.store ?? (on ? createComputeStore(config.store) : new MemoryComputeStore());
    this.clock = options.clock ?? systemClock;
    this.deadLetters = options.deadLetters ?? new MemoryDeadLetterStore(config.alerts.webhook.deadLetterSize);
  }

  /** Whether anything runs. */
  get enabled(): boolean {
    return this.config.compute.enabled || this.config.streams.enabled;
  }

  /** Aggregations (when `compute.enabled`). */
  get aggregations(): Aggregations {
    if (this.aggregationsPart === undefined) throw new Error("aggregations are off (compute.enabled)");
    return this.aggregationsPart;
  }

  /** Alert rules (when `compute.enabled`). */
  get alerts(): Alerts {
    if (this.alertsPart === undefined) throw new Error("alert rules are off (compute.enabled)");
    return this.alertsPart;
  }

  /** Analysis sessions (when `streams.enabled`); register processors on `streams.processors`. */
  get streams(): StreamSessions {
    if (this.streamsPart === undefined) throw new Error("analysis sessions are off (streams.enabled)");
    return this.streamsPart;
  }

  /** The owner of a session id (for the ACL); undefined when sessions are off or unknown. */
  readonly sessionOwner = (id: string): string | undefined => this.streamsPart?.ownerOf(id);

  /** The enabled parts (their routes are registered by `api/compute.ts`). */
  get parts(): { aggregations?: Aggregations; alerts?: Alerts; streams?: StreamSessions } {
    return {
      ...(this.aggregationsPart !== undefined && { aggregations: this.aggregationsPart }),
      ...(this.alertsPart !== undefined && { alerts: this.alertsPart }),
      ...(this.streamsPart !== undefined && { streams: this.streamsPart }),
    };
  }

  /** Builds the enabled parts. */
  attach(core: GatewayCore, inbox: () => Inbox, announce?: (fields: LifecycleFields) => void): void {
    if (!this.enabled) return;
    const redis = core.engine.redis;
    if (redis !== undefined) {
      this.lease = new RedisLease(redis.redis, redis.prefix, core.engine.cluster.nodeId, this.log);
    }
    const lease = () => this.lease.held;
    const ctx: ComputeContext = {
      emits: lease,
      subscribe: (sub) => core.hub.add(sub),
      unsubscribe: (sub) => core.hub.remove(sub),
      publish: (request) => core.publish(request, { origin: "compute" }),
      isState: (topic) => core.state?.handles(topic) ?? false,
      store: this.store,
      clock: this.clock,
      log: this.log,
    };
    if (announce !== undefined) ctx.announce = announce;
    this.ctx = ctx;
    if (this.config.compute.enabled) {
      const aggregations = new Aggregations(this.config.compute, ctx);
      this.webhooks = new WebhookSender(this.config.alerts.webhook, this.deadLetters, this.clock, this.log);
      const alerts = new Alerts(
        this.config.alerts,
        ctx,
        (name) => aggregations.outputOf(name),
        (users, input) => inbox().send(users, input),
        this.webhooks,
      );
      this.aggregationsPart = aggregations;
      this.alertsPart = alerts;
    }
    if (this.config.streams.enabled) {
      this.streamsPart = new StreamSessions(this.config.streams, ctx, (user, input) => inbox().send([user], input));
    }
  }

  /** Opens the store and starts the enabled parts (after the broker and state topics started). */
  async start(): Promise<void> {
    if (this.ctx === undefined) return;
    await this.store.open();
    this.opened = true;
    await this.lease.start();
    await this.aggregationsPart?.start();
    await this.alertsPart?.start();
    await this.streamsPart?.start();
  }

  /** Stops the parts (checkpointing windows) and closes the store; before the broker closes. */
  async close(): Promise<void> {
    if (!this.opened) return;
    await this.alertsPart?.close();
    await this.aggregationsPart?.close();
    await this.streamsPart?.close();
    await this.lease.close();
    await this.store.close();
    this.opened = false;
  }

  /** Resolves when no webhook delivery is under way (tests, shutdown). */
  webhooksSettled(): Promise<void> {
    return this.webhooks?.settled() ?? Promise.resolve();
  }
}
