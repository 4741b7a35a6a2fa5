/**
 * The backend's say on client subscribes and publishes (docs/hooks.md): `subscribe` answers
 * allow, deny, or allow with a filter or a rate (remembered per user and topic for
 * `cacheSeconds`); `publish` answers allow, deny, or allow with the data rewritten. A failed call
 * follows the hook's failure policy: `deny` refuses with `unavailable` (try again later),
 * `allow` lets the request through as if there were no hook.
 */
import { HeraldError, type SubscribeFrame } from "@herald/protocol";
import { LRUCache } from "lru-cache";
import { Gauge, Histogram, type Registry } from "prom-client";
import type { Principal } from "../auth/principal.js";
import type { PublishRequest } from "../engine/broker.js";
import type { HooksConfig } from "./hooks-config.js";
import { type HookAnswer, type HookMetrics, ProxyHook } from "./proxy-hook.js";

/** What a subscribe hook allowed: the subscription, possibly with the backend's filter and rate. */
export interface SubscribeDecision {
  filter?: SubscribeFrame["filter"];
  rate?: SubscribeFrame["rate"];
}

function who(p: Principal): { user: string | null; anonymous: boolean; claims?: unknown } {
  return p.anonymous ? { user: null, anonymous: true } : { user: p.user, anonymous: false, claims: p.claims };
}

export class Hooks {
  readonly subscribeHook: ProxyHook | undefined;
  readonly publishHook: ProxyHook | undefined;
  private readonly decisions: LRUCache<string, SubscribeDecision | HeraldError> | undefined;
  private readonly metrics: HookMetrics;

  constructor(config: HooksConfig) {
    this.metrics = {
      duration: new Histogram({
        name: "herald_hook_duration_seconds",
        help: "Calls to the backend's proxy hooks (docs/hooks.md) by hook and outcome (result, error, failed)",
        labelNames: ["hook", "outcome"] as const,
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers: [],
      }),
      breaker: new Gauge({
        name: "herald_hook_breaker_state",
        help: "Circuit breaker of each proxy hook: 0 closed, 1 half-open, 2 open",
        labelNames: ["hook"] as const,
        registers: [],
      }),
    };
    if (config.subscribe) {
      this.subscribeHook = new ProxyHook("subscribe", config.subscribe, this.metrics);
      if (config.subscribe.cacheSeconds > 0) {
        this.decisions = new LRUCache({ max: config.subscribe.cacheSize, ttl: config.subscribe.cacheSeconds * 1000 });
      }
    }
    if (config.publish) this.publishHook = new ProxyHook("publish", config.publish, this.metrics);
  }

  /** Registers the hooks' metrics (always, so the set of metrics does not depend on the configuration). */
  register(registry: Registry): void {
    registry.registerMetric(this.metrics.duration);
    registry.registerMetric(this.metrics.breaker);
  }

  /** The backend's decision on a client subscribe; throws the refusal. */
  async subscribe(principal: Principal, frame: SubscribeFrame): Promise<SubscribeDecision> {
    const hook = this.subscribeHook;
    if (hook === undefined || !hook.covers(frame.topic)) return {};
    const key = `${principal.anonymous ? "" : principal.user}\u0000${frame.topic}`;
    const cached = this.decisions?.get(key);
    if (cached instanceof HeraldError) throw cached;
    if (cached !== undefined) return cached;
    const answer = await hook.ask({ ...who(principal), topic: frame.topic, filter: frame.filter, rate: frame.rate });
    const decision = this.decide(hook, answer, () => {
      const r = answer.kind === "result" ? answer.result : {};
      const d: SubscribeDecision = {};
      if (r.filter !== undefined) d.filter = r.filter as SubscribeFrame["filter"];
      if (r.rate !== undefined) d.rate = r.rate as SubscribeFrame["rate"];
      return d;
    });
    // Decisions the backend made are remembered; a failure is not (the next subscribe asks again).
    if (answer.kind !== "failed") this.decisions?.set(key, decision);
    if (decision instanceof HeraldError) throw decision;
    return decision;
  }

  /** The backend's decision on a client publish: the request (its data maybe rewritten); throws the refusal. */
  async publish(principal: Principal, request: PublishRequest): Promise<PublishRequest> {
    const hook = this.publishHook;
    if (hook === undefined || !hook.covers(request.topic)) return request;
    const answer = await hook.ask({
      ...who(principal),
      topic: request.topic,
      event: request.event,
      data: request.data,
    });
    const decision = this.decide(hook, answer, () =>
      answer.kind === "result" && "data" in answer.result ? { ...request, data: answer.result.data } : request,
    );
    if (decision instanceof HeraldError) throw decision;
    return decision;
  }

  private decide<T>(hook: ProxyHook, answer: HookAnswer, allowed: () => T): T | HeraldError {
    switch (answer.kind) {
      case "result":
        return allowed();
      case "error":
        return new HeraldError("forbidden", answer.message, {
          details: { hook: hook.name, ...(answer.code !== undefined && { code: answer.code }) },
        });
      case "failed":
        if (hook.config.failurePolicy === "allow") return allowed();
        return new HeraldError("unavailable", `${hook.name} hook: ${answer.reason}`, { details: { hook: hook.name } });
    }
  }
}
