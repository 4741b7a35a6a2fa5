/**
 * The alert rules of a gateway: declared (`alerts.rules`, read-only) and created over the API
 * (stored). Rules are indexed by what they read: one in-process hub subscription per distinct
 * topic or pattern (the hub's exact map and pattern trie do the matching), holding the rules
 * on it — an event reaches only the rules of its topic, so the cost of an event does not grow
 * with unrelated rules. Aggregate rules read their aggregation's result topic the same way.
 *
 * A transition is published to the rule's channel as `alert_firing` / `alert_resolved` with the
 * id `alert.{rule}.{state}.{trigger event id}`: nodes that see the same event derive the same
 * id and the broker keeps one. Only the node whose publish was new notifies inboxes and calls
 * the webhook.
 */
import { type FilterSubject, HeraldError, type HeraldEvent, readPath } from "@herald/protocol";
import type { HubSubscription } from "../../hub/hub.js";
import { isStateDelta } from "../../state/document.js";
import type { NotificationInput } from "../../store/inbox-store.js";
import type { AlertsConfig } from "../compute-config.js";
import type { ComputeContext } from "../context.js";
import { RuleEvaluator, type RuleState, type Transition } from "./evaluator.js";
import { type AlertRuleSpec, type CompiledRule, compileRule } from "./rule.js";
import type { WebhookSender } from "./webhook.js";

/** Sends one notification to users' inboxes. */
export type Notify = (users: string[], input: NotificationInput) => Promise<unknown>;

/** The data of an `alert_firing` / `alert_resolved` event (and of its webhook body). */
export interface AlertPayload {
  rule: string;
  type?: string;
  state: "firing" | "resolved";
  severity: string;
  condition: string;
  threshold: unknown;
  field: string;
  value: unknown;
  /** The topic or aggregation read. */
  source: string;
  /** The event (or window result) that caused the change. */
  trigger: string;
  at: number;
}

/** How a rule is described over the API. */
export interface RuleView {
  id: string;
  origin: "config" | "api";
  spec: AlertRuleSpec;
  state: RuleState;
  lastFired: number | null;
}

interface Held {
  rule: CompiledRule;
  evaluator: RuleEvaluator;
  origin: "config" | "api";
  key: string;
}

interface Group {
  sub: HubSubscription;
  rules: Set<Held>;
  aggregate: boolean;
}

/** Resolves an aggregation name to its result topic (throws `not_found`). */
export type AggregationTopic = (name: string) => string;

export class Alerts {
  private readonly rules = new Map<string, Held>();
  private readonly groups = new Map<string, Group>();
  /** State writes under way (awaited on close, before the store closes). */
  private readonly saving = new Set<Promise<unknown>>();
  /** Transitions published, by state; firings that were duplicates of another node's. */
  readonly stats = { firing: 0, resolved: 0, duplicates: 0 };

  constructor(
    private readonly config: AlertsConfig,
    private readonly ctx: ComputeContext,
    private readonly aggregationTopic: AggregationTopic,
    private readonly notify: Notify,
    private readonly webhooks: WebhookSender,
  ) {}

  /** Validates a rule without adding it. */
  compile(spec: unknown): CompiledRule {
    const rule = compileRule(spec);
    if (rule.source.kind === "aggregation") {
      try {
        this.aggregationTopic(rule.source.name);
      } catch {
        throw new HeraldError("bad_request", `"aggregation": no aggregation "${rule.source.name}"`);
      }
    }
    return rule;
  }

  /** Adds the declared rules, then the stored ones, restoring each rule's state. */
  async start(): Promise<void> {
    for (const spec of this.config.rules) this.add(this.compile(spec), "config");
    for (const { id, doc } of await this.ctx.store.list<AlertRuleSpec>("alert_rule")) {
      if (this.rules.has(id)) continue;
      try {
        this.add(this.compile(doc), "api");
      } catch (err) {
        this.ctx.log.error({ err, rule: id }, "stored alert rule is invalid; not started");
      }
    }
    for (const { id, doc } of await this.ctx.store.list<{ state: RuleState; lastFired: number }>("alert_state")) {
      this.rules.get(id)?.evaluator.restore(doc);
    }
  }

  private add(rule: CompiledRule, origin: "config" | "api"): Held {
    const aggregate = rule.source.kind === "aggregation";
    const topic = rule.source.kind === "topic" ? rule.source.topic : this.aggregationTopic(rule.source.name);
    const key = `${aggregate ? "a" : "t"}:${topic}`;
    const held: Held = { rule, origin, key, evaluator: undefined as unknown as RuleEvaluator };
    held.evaluator = new RuleEvaluator(rule, this.ctx.clock, (t) => this.transition(held, t));
    let group = this.groups.get(key);
    if (group === undefined) {
      const g: Group = { rules: new Set(), aggregate, sub: undefined as unknown as HubSubscription };
      g.sub = {
        name: topic,
        pattern: rule.source.kind === "topic" && rule.source.pattern,
        internal: true,
        offer: (out) => this.evaluate(g, out.event),
      };
      group = g;
      this.groups.set(key, g);
      this.ctx.subscribe(g.sub);
    }
    group.rules.add(held);
    this.rules.set(rule.id, held);
    return held;
  }

  private drop(held: Held): void {
    held.evaluator.dispose();
    this.rules.delete(held.rule.id);
    const group = this.groups.get(held.key);
    if (group === undefined) return;
    group.rules.delete(held);
    if (group.rules.size === 0) {
      this.groups.delete(held.key);
      this.ctx.unsubscribe(group.sub);
    }
  }

  private evaluate(group: Group, event: HeraldEvent): void {
    const subject = group.aggregate ? (isStateDelta(event.data) ? event.data.patch : event.data) : undefined;
    const envelope = event as unknown as FilterSubject; // the envelope is what filters read
    for (const held of group.rules) {
      const rule = held.rule;
      if (!rule.enabled) continue;
      if (rule.predicate !== undefined && !rule.predicate(envelope)) continue;
      const value = subject === undefined ? readPath(envelope, rule.field) : readObject(subject, rule.field);
      held.evaluator.read(value, event.id);
    }
  }

  private transition(held: Held, t: Transition): void {
    const rule = held.rule;
    const payload: AlertPayload = {
      rule: rule.id,
      state: t.state,
      severity: rule.severity,
      condition: rule.spec.condition,
      threshold: rule.spec.threshold,
      field: rule.spec.field,
      value: t.value,
      source: rule.source.kind === "topic" ? rule.source.topic : `aggregation:${rule.source.name}`,
      trigger: t.trigger,
      at: t.at,
    };
    if (rule.spec.type !== undefined) payload.type = rule.spec.type;
    void this.announce(held, payload);
  }

  private async announce(held: Held, payload: AlertPayload): Promise<void> {
    const rule = held.rule;
    const event = payload.state === "firing" ? "alert_firing" : "alert_resolved";
    const id = `alert.${rule.id}.${payload.state}.${payload.trigger}`;
    const saved = this.ctx.store
      .put("alert_state", rule.id, held.evaluator.snapshot())
      .catch((err) => this.ctx.log.warn({ err, rule: rule.id }, "alert state not saved"));
    this.saving.add(saved);
    void saved.finally(() => this.saving.delete(saved));
    let duplicate: boolean;
    try {
      duplicate = (await this.ctx.publish({ topic: rule.spec.channel, event, data: payload, id })).duplicate;
    } catch (err) {
      this.ctx.log.error({ err, rule: rule.id, state: payload.state }, "alert not published");
      return;
    }
    if (duplicate) {
      this.stats.duplicates++;
      return; // another node announced it
    }
    this.stats[payload.state]++;
    const users = rule.spec.notify ?? [];
    if (payload.state === "firing" && users.length > 0) {
      const input: NotificationInput = {
        title: `Alert ${rule.id}`,
        message: `${rule.spec.field} is ${JSON.stringify(payload.value)} (${rule.spec.condition} ${JSON.stringify(rule.spec.threshold)})`,
        type: "alert",
        priority: rule.severity,
        data: payload,
      };
      await this.notify(users, input).catch((err) =>
        this.ctx.log.warn({ err, rule: rule.id }, "alert notification not stored"),
      );
    }
    if (rule.spec.webhook !== undefined) {
      this.webhooks.send({ id, rule: rule.id, topic: rule.spec.channel, event, payload, target: rule.spec.webhook });
    }
    this.ctx.announce?.({
      name: payload.state === "firing" ? "alert_firing" : "alert_resolved",
      topic: rule.spec.channel,
      data: payload,
    });
  }

  /** Creates a rule (stored). */
  async create(spec: unknown): Promise<RuleView> {
    const rule = this.compile(spec);
    if (this.rules.has(rule.id)) throw new HeraldError("already_exists", `alert rule "${rule.id}" exists`);
    if (this.rules.size >= this.config.maxRules) {
      throw new HeraldError("quota_exceeded", `at most ${this.config.maxRules} alert rules (alerts.maxRules)`);
    }
    await this.ctx.store.put("alert_rule", rule.id, rule.spec);
    this.add(rule, "api");
    return this.view(rule.id);
  }

  /** Replaces an API rule (its state starts over unless only `enabled` changed). */
  async replace(id: string, spec: unknown): Promise<RuleView> {
    const old = this.held(id);
    if (old.origin === "config")
      throw new HeraldError("forbidden", `alert rule "${id}" is declared in the configuration`);
    const rule = this.compile(spec);
    if (rule.id !== id) throw new HeraldError("bad_request", `"id" must be "${id}" (the rule in the path)`);
    await this.ctx.store.put("alert_rule", id, rule.spec);
    const kept = old.evaluator.snapshot();
    const sameButEnabled =
      JSON.stringify({ ...old.rule.spec, enabled: undefined }) === JSON.stringify({ ...rule.spec, enabled: undefined });
    this.drop(old);
    const held = this.add(rule, "api");
    if (sameButEnabled) held.evaluator.restore(kept);
    else await this.ctx.store.remove("alert_state", id);
    return this.view(id);
  }

  /** Deletes an API rule. */
  async remove(id: string): Promise<void> {
    const held = this.held(id);
    if (held.origin === "config")
      throw new HeraldError("forbidden", `alert rule "${id}" is declared in the configuration`);
    this.drop(held);
    await this.ctx.store.remove("alert_rule", id);
    await this.ctx.store.remove("alert_state", id);
  }

  private held(id: string): Held {
    const held = this.rules.get(id);
    if (held === undefined) throw new HeraldError("not_found", `no alert rule "${id}"`);
    return held;
  }

  view(id: string): RuleView {
    const held = this.held(id);
    const { state, lastFired } = held.evaluator;
    return { id, origin: held.origin, spec: held.rule.spec, state, lastFired: lastFired > 0 ? lastFired : null };
  }

  list(): RuleView[] {
    return [...this.rules.keys()].sort().map((id) => this.view(id));
  }

  /** Number of rules, and of distinct topics they are indexed under. */
  get size(): { rules: number; topics: number } {
    return { rules: this.rules.size, topics: this.groups.size };
  }

  /** Stops evaluating and waits for state writes under way. */
  async close(): Promise<void> {
    for (const held of [...this.rules.values()]) this.drop(held);
    this.webhooks.close();
    await Promise.all(this.saving);
  }
}

/** Reads a dotted path from a plain document (window results are read as they are). */
function readObject(doc: unknown, path: readonly string[]): unknown {
  let v = doc;
  for (const s of path) {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v;
}
