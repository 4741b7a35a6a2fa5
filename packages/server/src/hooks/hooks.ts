/**
 * The backend's say on client connections, subscribes, publishes and RPC calls (docs/hooks.md):
 * `connect` answers who the client is (or refuses it); `subscribe` answers allow, deny, or allow
 * with a filter or a rate (remembered per user and topic for `cacheSeconds`); `publish` answers
 * allow, deny, or allow with the data rewritten; `rpc` answers a client's call. A failed call
 * follows the hook's failure policy: `deny` refuses with `unavailable` (try again later),
 * `allow` lets the request through as if there were no hook (an RPC call has no such fallback).
 */
import { HeraldError, type SubscribeFrame } from "@herald/protocol";
import { LRUCache } from "lru-cache";
import { Gauge, Histogram, type Registry } from "prom-client";
import type { Principal } from "../auth/principal.js";
import type { PublishRequest } from "../engine/broker.js";
import { type Forwarded, ForwardList } from "./forwarded.js";
import type { ConnectHookConfig, HooksConfig, ProxyHookConfig, RpcHookConfig } from "./hooks-config.js";
import { covers, type HookAnswer, type HookCallConfig, type HookMetrics, ProxyHook } from "./proxy-hook.js";

/** What a subscribe hook allowed: the subscription, possibly with the backend's filter and rate. */
export interface SubscribeDecision {
  filter?: SubscribeFrame["filter"];
  rate?: SubscribeFrame["rate"];
}

/** A connection the connect hook is asked about. */
export interface ConnectRequest {
  /** `ws`, `socketio`, `sse`. */
  transport: string;
  /** The connection id (as in `welcome`); absent for SSE, asked before the stream (and its id) exists. */
  client?: string;
  ip: string | undefined;
  /** The token the client presented, when `hooks.connect.tokens` sends tokens to the backend. */
  token?: string;
}

/** The caller of a hook: who, and what of its connection request the backend may see. */
export interface HookCaller {
  principal: Principal;
  forwarded: Forwarded | undefined;
  /** The connection id, for the backend's logs. */
  client?: string;
}

function who(p: Principal): { user: string | null; anonymous: boolean; claims?: unknown } {
  return p.anonymous ? { user: null, anonymous: true } : { user: p.user, anonymous: false, claims: p.claims };
}

const MAX_USER_LENGTH = 256;

export class Hooks {
  readonly connectHook: ProxyHook<ConnectHookConfig> | undefined;
  readonly subscribeHook: ProxyHook | undefined;
  readonly publishHook: ProxyHook | undefined;
  readonly rpcHook: ProxyHook<RpcHookConfig> | undefined;
  /** The headers and cookies of a connection passed on to the hooks. */
  readonly forward: ForwardList;
  private readonly decisions: LRUCache<string, SubscribeDecision | HeraldError> | undefined;
  private readonly rpcMethods: ReadonlySet<string> | undefined;
  private readonly metrics: HookMetrics;

  constructor(
    config: HooksConfig,
    /** The claim the ACL reads roles from (`auth.rolesClaim`): the connect hook's `roles` go there. */
    private readonly rolesClaim = "roles",
  ) {
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
    this.forward = new ForwardList(config.forwardHeaders ?? [], config.forwardCookies ?? []);
    if (config.connect) this.connectHook = new ProxyHook("connect", config.connect, this.metrics);
    if (config.subscribe) {
      this.subscribeHook = new ProxyHook("subscribe", config.subscribe, this.metrics);
      if (config.subscribe.cacheSeconds > 0) {
        this.decisions = new LRUCache({ max: config.subscribe.cacheSize, ttl: config.subscribe.cacheSeconds * 1000 });
      }
    }
    if (config.publish) this.publishHook = new ProxyHook("publish", config.publish, this.metrics);
    if (config.rpc) {
      this.rpcHook = new ProxyHook("rpc", config.rpc, this.metrics);
      if (config.rpc.methods.length > 0) this.rpcMethods = new Set(config.rpc.methods);
    }
  }

  /** Whether any hook is configured (otherwise the gateway does not keep this object). */
  get any(): boolean {
    return (
      this.connectHook !== undefined ||
      this.subscribeHook !== undefined ||
      this.publishHook !== undefined ||
      this.rpcHook !== undefined
    );
  }

  /** Registers the hooks' metrics (always, so the set of metrics does not depend on the configuration). */
  register(registry: Registry): void {
    registry.registerMetric(this.metrics.duration);
    registry.registerMetric(this.metrics.breaker);
  }

  /** Whether the connect hook is asked about a connection that presents a token. */
  get connectTakesTokens(): boolean {
    return this.connectHook?.config.tokens === true;
  }

  /**
   * Who the backend says the connecting client is; throws its refusal (`unauthorized`, or
   * `unavailable` when the call failed under `failurePolicy: deny`). `undefined`: the call
   * failed under `failurePolicy: allow`, and the connection is authenticated as if there were
   * no hook.
   */
  async connect(request: ConnectRequest, forwarded: Forwarded | undefined): Promise<Principal | undefined> {
    const hook = this.connectHook;
    if (hook === undefined) return undefined;
    let answer = await hook.ask(request, forwarded);
    let principal: Principal | undefined;
    if (answer.kind === "result") {
      principal = this.principalOf(answer.result);
      if (principal === undefined) {
        answer = { kind: "failed", reason: 'the answer needs "user" (a non-empty string) or "anonymous": true' };
      }
    }
    const decision = this.decide(hook, answer, () => principal, "unauthorized");
    if (decision instanceof HeraldError) throw decision;
    return decision;
  }

  private principalOf(r: Record<string, unknown>): Principal | undefined {
    if (r.anonymous === true) return { user: "", anonymous: true, claims: Object.freeze({}) };
    if (typeof r.user !== "string" || r.user.length === 0 || r.user.length > MAX_USER_LENGTH) return undefined;
    const claims: Record<string, unknown> = { sub: r.user };
    if (typeof r.claims === "object" && r.claims !== null && !Array.isArray(r.claims)) Object.assign(claims, r.claims);
    if (Array.isArray(r.roles)) claims[this.rolesClaim] = r.roles.filter((x) => typeof x === "string");
    const principal: Principal = { user: r.user, anonymous: false, claims: Object.freeze(claims) };
    if (typeof r.exp === "number" && Number.isFinite(r.exp)) principal.expiresAt = r.exp * 1000;
    return principal;
  }

  /** The backend's decision on a client subscribe; throws the refusal. */
  async subscribe(caller: HookCaller, frame: SubscribeFrame): Promise<SubscribeDecision> {
    const hook = this.subscribeHook;
    if (hook === undefined || !covers(hook.config.namespaces, frame.topic)) return {};
    const principal = caller.principal;
    const key = `${principal.anonymous ? "" : principal.user}\u0000${frame.topic}`;
    const cached = this.decisions?.get(key);
    if (cached instanceof HeraldError) throw cached;
    if (cached !== undefined) return cached;
    const answer = await hook.ask(
      { ...who(principal), client: caller.client, topic: frame.topic, filter: frame.filter, rate: frame.rate },
      caller.forwarded,
    );
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
  async publish(caller: HookCaller, request: PublishRequest): Promise<PublishRequest> {
    const hook = this.publishHook;
    if (hook === undefined || !covers(hook.config.namespaces, request.topic)) return request;
    const answer = await hook.ask(
      {
        ...who(caller.principal),
        client: caller.client,
        topic: request.topic,
        event: request.event,
        data: request.data,
      },
      caller.forwarded,
    );
    const decision = this.decide(hook, answer, () =>
      answer.kind === "result" && "data" in answer.result ? { ...request, data: answer.result.data } : request,
    );
    if (decision instanceof HeraldError) throw decision;
    return decision;
  }

  /**
   * A client's RPC call: the backend's `result.data`; throws `not_found` (no RPC backend, or a
   * method not listed in `hooks.rpc.methods`), `rpc_error` (the backend answered an error: its
   * code and message), or `unavailable` (the call failed).
   */
  async rpc(caller: HookCaller, method: string, data: unknown): Promise<unknown> {
    const hook = this.rpcHook;
    if (hook === undefined) throw new HeraldError("not_found", "this server has no RPC backend (hooks.rpc)");
    if (this.rpcMethods !== undefined && !this.rpcMethods.has(method)) {
      throw new HeraldError("not_found", `no RPC method "${method}"`);
    }
    const answer = await hook.ask({ ...who(caller.principal), client: caller.client, method, data }, caller.forwarded);
    switch (answer.kind) {
      case "result":
        return answer.result.data ?? null;
      case "error":
        throw new HeraldError("rpc_error", answer.message, {
          details: { hook: "rpc", ...(answer.code !== undefined && { code: answer.code }) },
        });
      case "failed":
        throw new HeraldError("unavailable", `rpc hook: ${answer.reason}`, { details: { hook: "rpc" } });
    }
  }

  private decide<T>(
    hook: ProxyHook<HookCallConfig & Partial<Pick<ProxyHookConfig, "failurePolicy">>>,
    answer: HookAnswer,
    allowed: () => T,
    refusal: "forbidden" | "unauthorized" = "forbidden",
  ): T | HeraldError {
    switch (answer.kind) {
      case "result":
        return allowed();
      case "error":
        return new HeraldError(refusal, answer.message, {
          details: { hook: hook.name, ...(answer.code !== undefined && { code: answer.code }) },
        });
      case "failed":
        if (hook.config.failurePolicy === "allow") return allowed();
        return new HeraldError("unavailable", `${hook.name} hook: ${answer.reason}`, { details: { hook: hook.name } });
    }
  }
}
