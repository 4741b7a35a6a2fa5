/**
 * The parts every transport and API route share, and the one publish path they all use.
 * Built by `gateway.ts`; nothing here knows about a wire.
 */

import { HeraldError } from "@herald/protocol";
import type { Acl } from "./auth/acl.js";
import type { Authenticator } from "./auth/authenticator.js";
import type { Principal } from "./auth/principal.js";
import type { HeraldConfig } from "./config-types.js";
import type { Broker, PublishOutcome, PublishRequest } from "./engine/broker.js";
import type { Engine } from "./engine/engine.js";
import type { Hooks } from "./hooks/hooks.js";
import { FilterRegistry } from "./hub/filters.js";
import type { Hub } from "./hub/hub.js";
import type { Namespaces } from "./hub/namespaces.js";
import { PublishBudget } from "./limits/publish-budget.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import type { PublishContext } from "./pipeline/stage.js";
import {
  assertTopic,
  declaredStages,
  type PathOutcome,
  type PipelineResolver,
  PublishPath,
} from "./pipeline/stages.js";
import type { MemberObserver, Session } from "./session.js";
import type { Sessions } from "./sessions.js";
import type { StateTopics } from "./state/state-topics.js";
import { TracedStage } from "./tracing/traced-stage.js";
import { tracePublish, traceStep, tracingOn } from "./tracing/tracing.js";

export type { PublishContext } from "./pipeline/stage.js";

export class GatewayCore {
  constructor(
    readonly config: HeraldConfig,
    readonly version: string,
    readonly namespaces: Namespaces,
    readonly hub: Hub,
    readonly broker: Broker,
    readonly acl: Acl,
    readonly authenticator: Authenticator,
    readonly anonymous: Principal,
    readonly sessions: Sessions<Session>,
    readonly metrics: Metrics,
    readonly log: Logger,
    /** The configured stages of each namespace (the `pipeline` stage of the declared path). */
    pipelines?: PipelineResolver,
  ) {
    this.publishBudget = new PublishBudget(config.publishBudget);
    this.filters = new FilterRegistry(config.subscriptions.filter);
    const stages = declaredStages(this, pipelines);
    this.path = new PublishPath(stages, (request, context) => this.commit(request, context));
    // The same path with a span per stage and one for the commit, taken only while tracing is on.
    this.tracedPath = new PublishPath(
      stages.map((stage) => new TracedStage(stage)),
      (request, context) => traceStep("herald.broker.commit", () => this.commit(request, context)),
    );
  }

  /** Client publishes per IP and per user, across connections (`publishBudget`). */
  readonly publishBudget: PublishBudget;

  /** Subscription filters, shared by every subscriber with an equal filter. */
  readonly filters: FilterRegistry;

  /** The declared publish path (`pipeline/stages.ts`). */
  private readonly path: PublishPath;
  private readonly tracedPath: PublishPath;

  /** State topics (set by the gateway): stamps publishes, answers subscribe snapshots. */
  state: StateTopics | undefined;
  /** The backend's proxy hooks on client subscribes and publishes (docs/hooks.md); set by the gateway. */
  hooks: Hooks | undefined = undefined;
  /** Presence joins and leaves for the outgoing webhooks (docs/hooks.md); set by the gateway when they are on. */
  lifecycle: MemberObserver | undefined = undefined;

  /** Broker, presence and cluster as one (set by the gateway right after construction). */
  engine!: Engine;

  /** Throws `invalid_topic` unless `topic` is a concrete, valid topic name. */
  checkTopic(topic: unknown): asserts topic is string {
    assertTopic(topic);
  }

  /** Throws `forbidden` unless `who` may read `topic`. */
  checkRead(who: Principal, topic: string): void {
    if (!this.acl.canRead(who, topic)) throw new HeraldError("forbidden", `not allowed to read "${topic}"`);
  }

  /** Throws `forbidden` unless `who` may see presence on `topic`. */
  checkPresence(who: Principal, topic: string): void {
    if (!this.acl.canPresence(who, topic))
      throw new HeraldError("forbidden", `not allowed to see presence on "${topic}"`);
  }

  /** Throws `forbidden` unless `who` may read the history of `topic`. */
  checkHistory(who: Principal, topic: string): void {
    if (!this.acl.canHistory(who, topic))
      throw new HeraldError("forbidden", `not allowed to read the history of "${topic}"`);
  }

  /**
   * Runs one event through the declared publish path (`pipeline/stages.ts`) and commits it.
   * The one path every origin uses. A refusal is a `HeraldError` whose `details.stage` names
   * the stage that made it.
   */
  publish(request: PublishRequest, context: PublishContext): Promise<PathOutcome> {
    if (!tracingOn()) return this.path.run(request, context);
    return tracePublish(request, context.origin, (traced) => this.tracedPath.run(traced, context));
  }

  private async commit(request: PublishRequest, context: PublishContext): Promise<PublishOutcome> {
    const outcome = await this.broker.publish(request);
    if (!outcome.duplicate) this.metrics.published.inc({ origin: context.origin });
    return outcome;
  }
}
