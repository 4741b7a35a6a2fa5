/**
 * An alert rule's definition (config `alerts.rules[]` or `POST /api/alerts`) and its validation.
 * A rule reads one value: a field of events on a topic (or pattern), optionally filtered, or a
 * field of an aggregation's window result. Examples (ASTRA):
 * `{"id":"sentiment_drop","aggregation":"sentiment","field":"values.avg","condition":"below","threshold":0.3,"channel":"critical_alerts"}`,
 * `{"id":"viral_content","topic":"posts.>","field":"engagement","condition":"above","threshold":10000,"channel":"opportunities"}`.
 */
import {
  compileFilter,
  type Filter,
  type FilterPredicate,
  HeraldError,
  isPattern,
  patternProblem,
  topicProblem,
} from "@herald/protocol";
import { Inbox } from "../../inbox/inbox.js";
import { parseDuration } from "../duration.js";

export const CONDITIONS = ["above", "below", "equals", "contains"] as const;
export type Condition = (typeof CONDITIONS)[number];

export const SEVERITIES = ["low", "medium", "high", "urgent"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** An outgoing webhook of a rule. */
export interface WebhookSpec {
  /** `http://` or `https://` URL that receives a POST per firing and resolving. */
  url: string;
  /** HMAC-SHA256 key of the `X-Herald-Signature` header (at least 16 characters). */
  secret: string;
}

/** A rule as written by its author. */
export interface AlertRuleSpec {
  /** Id: letters, digits, `_` and `-`, up to 64. */
  id: string;
  /** Free label, e.g. ASTRA's `sentiment`, `engagement`, `keyword`. */
  type?: string;
  /** Events on this topic or pattern are read (give this or `aggregation`). */
  topic?: string;
  /** Window results of this aggregation are read (give this or `topic`). */
  aggregation?: string;
  /** Path of the value: an event field (filter-language path) or a result field (`values.avg`, `groups.politics.count`). */
  field: string;
  /** Only events matching this filter are read (event rules). */
  filter?: Filter;
  condition: Condition;
  /** Number for above/below, any JSON value for equals, string for contains. */
  threshold: number | string | boolean;
  /** For above/below: the value at which a firing rule resolves (hysteresis). @default threshold */
  resolveThreshold?: number;
  /** The condition must hold this long before the rule fires. @default 0 */
  for?: string | number;
  /** Least time between two firings. @default 0 */
  cooldown?: string | number;
  /** Topic that receives `alert_firing` / `alert_resolved` events. */
  channel: string;
  /** Users whose inbox gets a notification on firing. @default [] */
  notify?: string[];
  webhook?: WebhookSpec;
  /** @default "high" */
  severity?: Severity;
  /** @default true */
  enabled?: boolean;
}

/** A validated rule, ready to index and evaluate. */
export interface CompiledRule {
  spec: AlertRuleSpec;
  id: string;
  /** What the rule reads: `topic:<name>` or `agg:<name>`. */
  source: { kind: "topic"; topic: string; pattern: boolean } | { kind: "aggregation"; name: string };
  field: string[];
  predicate: FilterPredicate | undefined;
  forMs: number;
  cooldownMs: number;
  enabled: boolean;
  severity: Severity;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const PATH = /^[A-Za-z0-9_$:@=+~-]+(\.[A-Za-z0-9_$:@=+~-]+)*$/;
const KNOWN = new Set([
  "id",
  "type",
  "topic",
  "aggregation",
  "field",
  "filter",
  "condition",
  "threshold",
  "resolveThreshold",
  "for",
  "cooldown",
  "channel",
  "notify",
  "webhook",
  "severity",
  "enabled",
]);

function bad(message: string): never {
  throw new HeraldError("bad_request", message);
}

/** Validates `input` and compiles it; throws a `HeraldError` naming the first problem. */
export function compileRule(input: unknown): CompiledRule {
  if (typeof input !== "object" || input === null || Array.isArray(input)) bad("an alert rule must be an object");
  const spec = input as AlertRuleSpec;
  for (const k of Object.keys(spec)) if (!KNOWN.has(k)) bad(`unknown alert rule field "${k}"`);
  if (typeof spec.id !== "string" || !ID.test(spec.id)) bad('"id" must be 1-64 letters, digits, "_" or "-"');
  if (spec.type !== undefined && (typeof spec.type !== "string" || spec.type.length > 64))
    bad('"type" must be a string');
  if ((spec.topic === undefined) === (spec.aggregation === undefined)) bad('give either "topic" or "aggregation"');
  let source: CompiledRule["source"];
  if (spec.topic !== undefined) {
    const problem = patternProblem(spec.topic);
    if (problem !== undefined) throw new HeraldError("invalid_topic", `"topic": ${problem}`);
    source = { kind: "topic", topic: spec.topic, pattern: isPattern(spec.topic) };
  } else {
    if (typeof spec.aggregation !== "string" || !ID.test(spec.aggregation))
      bad('"aggregation" must name an aggregation');
    if (spec.filter !== undefined) bad('"filter" applies to event rules only (with "topic")');
    source = { kind: "aggregation", name: spec.aggregation };
  }
  if (typeof spec.field !== "string" || spec.field.length > 256 || !PATH.test(spec.field)) {
    bad('"field" must be a dotted field path');
  }
  if (!CONDITIONS.includes(spec.condition)) bad(`"condition" must be one of ${CONDITIONS.join(", ")}`);
  const t = spec.threshold;
  if ((spec.condition === "above" || spec.condition === "below") && (typeof t !== "number" || !Number.isFinite(t))) {
    bad(`"threshold" must be a number for "${spec.condition}"`);
  }
  if (spec.condition === "contains" && (typeof t !== "string" || t.length === 0)) {
    bad('"threshold" must be a non-empty string for "contains"');
  }
  if (spec.condition === "equals" && !["number", "string", "boolean"].includes(typeof t)) {
    bad('"threshold" must be a number, string or boolean for "equals"');
  }
  if (spec.resolveThreshold !== undefined) {
    if (spec.condition !== "above" && spec.condition !== "below") bad('"resolveThreshold" applies to above and below');
    const r = spec.resolveThreshold;
    if (typeof r !== "number" || !Number.isFinite(r)) bad('"resolveThreshold" must be a number');
    if (spec.condition === "above" ? r > (t as number) : r < (t as number)) {
      bad(
        `"resolveThreshold" must be on the resolving side of "threshold" (${spec.condition === "above" ? "<=" : ">="} ${t})`,
      );
    }
  }
  const channelProblem = topicProblem(spec.channel);
  if (channelProblem !== undefined) throw new HeraldError("invalid_topic", `"channel": ${channelProblem}`);
  if (spec.notify !== undefined) {
    if (!Array.isArray(spec.notify) || spec.notify.length > 1000)
      bad('"notify" must be a list of at most 1000 user ids');
    for (const u of spec.notify) Inbox.checkUser(u);
  }
  if (spec.webhook !== undefined) {
    const w = spec.webhook;
    let url: URL | undefined;
    try {
      url = new URL(w.url);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:"))
      bad('"webhook.url" must be an http(s) URL');
    if (typeof w.secret !== "string" || w.secret.length < 16) bad('"webhook.secret" must be at least 16 characters');
    for (const k of Object.keys(w)) if (k !== "url" && k !== "secret") bad(`unknown webhook field "${k}"`);
  }
  if (spec.severity !== undefined && !SEVERITIES.includes(spec.severity))
    bad(`"severity" must be one of ${SEVERITIES.join(", ")}`);
  if (spec.enabled !== undefined && typeof spec.enabled !== "boolean") bad('"enabled" must be true or false');
  return {
    spec,
    id: spec.id,
    source,
    field: spec.field.split("."),
    predicate: spec.filter === undefined ? undefined : compileFilter(spec.filter),
    forMs: spec.for === undefined ? 0 : parseDuration(spec.for, '"for"'),
    cooldownMs: spec.cooldown === undefined ? 0 : parseDuration(spec.cooldown, '"cooldown"'),
    enabled: spec.enabled !== false,
    severity: spec.severity ?? "high",
  };
}
