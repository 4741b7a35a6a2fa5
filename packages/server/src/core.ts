/**
 * The parts every transport and API route share, and the one publish path they all use.
 * Built by `gateway.ts`; nothing here knows about a wire.
 */
import { HeraldError, isPattern, topicProblem } from "@herald/protocol";
import type { Acl } from "./auth/acl.js";
import type { Authenticator } from "./auth/authenticator.js";
import { assertFresh } from "./auth/expiry.js";
import type { Principal } from "./auth/principal.js";
import type { HeraldConfig } from "./config.js";
import type { Broker, PublishOutcome, PublishRequest } from "./engine/broker.js";
import type { Engine } from "./engine/engine.js";
import type { Hub } from "./hub/hub.js";
import type { Namespaces } from "./hub/namespaces.js";
import { PublishBudget } from "./limits/publish-budget.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import type { Sessions } from "./sessions.js";
import type { StateTopics } from "./state/state-topics.js";

export interface PublishContext {
  /** Where the publish came from: `api`, `client`, `server` (in-process), or a connector name. */
  origin: string;
  /** The client that published, for the ACL; absent for trusted origins. */
  principal?: Principal | undefined;
}

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
    readonly sessions: Sessions,
    readonly metrics: Metrics,
    readonly log: Logger,
  ) {
    this.publishBudget = new PublishBudget(config.publishBudget);
  }

  /** Client publishes per IP and per user, across connections (`publishBudget`). */
  readonly publishBudget: PublishBudget;

  /** State topics (set by the gateway): stamps publishes, answers subscribe snapshots. */
  state: StateTopics | undefined;

  /** Broker, presence and cluster as one (set by the gateway right after construction). */
  engine!: Engine;

  /** Throws `invalid_topic` unless `topic` is a concrete, valid topic name. */
  checkTopic(topic: unknown): asserts topic is string {
    const problem = topicProblem(topic);
    if (problem !== undefined) {
      if (typeof topic === "string" && isPattern(topic)) {
        throw new HeraldError("invalid_topic", `"${topic}" is a pattern; a concrete topic is needed here`);
      }
      throw new HeraldError("invalid_topic", problem);
    }
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

  /** Validates, authorises and publishes one event. The one path every origin uses. */
  async publish(request: PublishRequest, context: PublishContext): Promise<PublishOutcome> {
    this.checkTopic(request.topic);
    assertFresh(context.principal); // nothing is published on behalf of an expired token
    if (context.principal !== undefined && !this.acl.canPublish(context.principal, request.topic)) {
      throw new HeraldError("forbidden", `not allowed to publish to "${request.topic}"`);
    }
    // The broker refuses with `unavailable` by itself when it cannot take this publish: a node
    // that is not fully ready (pub/sub reconnecting, one store down) still takes the others.
    const outcome = await this.broker.publish(this.state?.prepare(request) ?? request);
    if (!outcome.duplicate) this.metrics.published.inc({ origin: context.origin });
    return outcome;
  }
}
