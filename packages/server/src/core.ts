/**
 * The parts every transport and API route share, and the one publish path they all use.
 * Built by `gateway.ts`; nothing here knows about a wire.
 */

import { HeraldError } from "@herald/protocol";
import type { Acl } from "./auth/acl.js";
import type { Authenticator } from "./auth/authenticator.js";
import type { Principal } from "./auth/principal.js";
import type { HeraldConfig } from "./config-types.js";
import type { PublishOutcome, PublishRequest } from "./engine/broker.js";
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

/** Everything the core is made of, built before it (gateway.ts). */
export interface CoreParts {
  readonly config: HeraldConfig;
  readonly version: string;
  readonly namespaces: Namespaces;
  readonly hub: Hub;
  /** Broker, presence and cluster as one (`createEngine`). */
  readonly engine: Engine;
  readonly acl: Acl;
  readonly authenticator: Authenticator;
  readonly anonymous: Principal;
  readonly sessions: Sessions<Session>;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** The configured stages of each namespace (the `pipeline` stage of the declared path). */
  readonly pipelines?: PipelineResolver;
  /** State topics: stamps publishes, answers subscribe snapshots. */
  readonly state?: StateTopics;
  /** The backend's proxy hooks on connects, subscribes, publishes and rpc (docs/hooks.md), when configured. */
  readonly hooks?: Hooks;
  /** Presence joins and leaves for the outgoing webhooks (docs/hooks.md), when they are on. */
  readonly lifecycle?: MemberObserver;
}

export class GatewayCore {
  readonly config: HeraldConfig;
  readonly version: string;
  readonly namespaces: Namespaces;
  readonly hub: Hub;
  readonly engine: Engine;
  readonly acl: Acl;
  readonly authenticator: Authenticator;
  readonly anonymous: Principal;
  readonly sessions: Sessions<Session>;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** State topics (`namespaces[].state`): stamps publishes, answers subscribe snapshots. */
  readonly state: StateTopics | undefined;
  /** The backend's proxy hooks (docs/hooks.md), when configured. */
  readonly hooks: Hooks | undefined;
  /** Presence joins and leaves for the outgoing webhooks, when they are on. */
  readonly lifecycle: MemberObserver | undefined;

  constructor(parts: CoreParts) {
    this.config = parts.config;
    this.version = parts.version;
    this.namespaces = parts.namespaces;
    this.hub = parts.hub;
    this.engine = parts.engine;
    this.acl = parts.acl;
    this.authenticator = parts.authenticator;
    this.anonymous = parts.anonymous;
    this.sessions = parts.sessions;
    this.metrics = parts.metrics;
    this.log = parts.log;
    this.state = parts.state;
    this.hooks = parts.hooks;
    this.lifecycle = parts.lifecycle;
    this.publishBudget = new PublishBudget(parts.config.publishBudget);
    this.filters = new FilterRegistry(parts.config.subscriptions.filter);
    const stages = declaredStages(this, parts.pipelines);
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
    const outcome = await this.engine.broker.publish(request);
    if (!outcome.duplicate) this.metrics.published.inc({ origin: context.origin });
    return outcome;
  }
}
