/**
 * The `route` stage: rules that turn a source event into typed topics and event names, e.g.
 * `{"when": {"wasm.action": "propose"}, "topic": "proposal.{proposal_id}", "event":
 * "proposal.created"}`. `{path}` in `topic` and `event` is replaced by that field of the event
 * (filter path syntax: envelope fields by name, anything else from `data`).
 *
 * Every matching rule produces one output (several outputs fan one event out to several
 * topics), or only the first with `mode: "first"`. An event no rule matches is published as it
 * is (`unmatched: "pass"`) or refused (`"reject"`, `invalid_event`). Outputs keep the event's id
 * when there is one output; with several, output of rule i gets `<id>~<i>`, so a resend of the
 * source event is a duplicate of every output. A rule's `data` reshapes the output's payload:
 * `{"title": "title", "raised": "total_raised"}` builds `{title, raised}` from those fields (a
 * missing field is left out), so a routed event can be a clean state patch or a typed payload.
 */
import { randomUUID } from "node:crypto";
import {
  compileFilter,
  type Filter,
  type FilterPredicate,
  type FilterSubject,
  HeraldError,
  readPath,
} from "@herald/protocol";
import type { PublishRequest } from "../engine/broker.js";
import type { Stage, StageResult } from "./stage.js";
import { assertTopic } from "./stages.js";

export interface RouteRule {
  /** Which events the rule applies to (a filter); every event when absent. */
  when?: Filter;
  /** Topic template, e.g. `proposal.{proposal_id}`. */
  topic: string;
  /** Event name template; the event's own name when absent. */
  event?: string;
  /** The output's data, field name → path of the event (as in templates); the event's data when absent. */
  data?: Record<string, string>;
}

export interface RouteOptions {
  stage: "route";
  rules: RouteRule[];
  /** `all` matching rules, or the `first`. @default "all" */
  mode?: "all" | "first";
  /** What happens to an event no rule matches. @default "pass" */
  unmatched?: "pass" | "reject";
}

type Part = string | string[];

/** Splits a template into literal text and field paths. */
function parseTemplate(template: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of template.matchAll(/\{([A-Za-z0-9_$@.-]+)\}/g)) {
    if (m.index > last) parts.push(template.slice(last, m.index));
    parts.push((m[1] as string).split("."));
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  return parts;
}

function render(parts: Part[], subject: FilterSubject, rule: number, what: string): string {
  let out = "";
  for (const p of parts) {
    if (typeof p === "string") {
      out += p;
      continue;
    }
    const v = readPath(subject, p);
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      throw new HeraldError(
        "invalid_event",
        `route rule ${rule}: {${p.join(".")}} in the ${what} is missing or not a scalar`,
      );
    }
    out += String(v);
  }
  return out;
}

interface CompiledRule {
  when: FilterPredicate | undefined;
  topic: Part[];
  event: Part[] | undefined;
  data: Array<[string, string[]]> | undefined;
}

/** The payload a rule's `data` projection builds: the fields present in the event, as they are. */
function project(fields: Array<[string, string[]]>, subject: FilterSubject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, path] of fields) {
    const v = readPath(subject, path);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

export class RouteStage implements Stage {
  readonly name = "route";
  private readonly rules: CompiledRule[];
  private readonly first: boolean;
  private readonly reject: boolean;

  /** Compiles every rule; throws `invalid_filter` (or an `Error`) naming a bad one. */
  constructor(options: RouteOptions) {
    this.first = options.mode === "first";
    this.reject = options.unmatched === "reject";
    this.rules = options.rules.map((r) => ({
      when: r.when === undefined ? undefined : compileFilter(r.when),
      topic: parseTemplate(r.topic),
      event: r.event === undefined ? undefined : parseTemplate(r.event),
      data: r.data === undefined ? undefined : Object.entries(r.data).map(([name, path]) => [name, path.split(".")]),
    }));
  }

  run(request: PublishRequest): StageResult {
    const subject = request as unknown as FilterSubject;
    const matched: number[] = [];
    for (let i = 0; i < this.rules.length; i++) {
      const when = (this.rules[i] as CompiledRule).when;
      if (when === undefined || when(subject)) {
        matched.push(i);
        if (this.first) break;
      }
    }
    if (matched.length === 0) {
      if (this.reject) throw new HeraldError("invalid_event", "no route rule matches the event");
      return request;
    }
    const base = request.id ?? (matched.length > 1 ? randomUUID() : undefined);
    const outputs = matched.map((i) => {
      const rule = this.rules[i] as CompiledRule;
      const topic = render(rule.topic, subject, i, "topic");
      try {
        assertTopic(topic);
      } catch (err) {
        throw new HeraldError("invalid_topic", `route rule ${i} made "${topic}": ${(err as Error).message}`);
      }
      const out: PublishRequest = { ...request, topic };
      if (rule.event !== undefined) out.event = render(rule.event, subject, i, "event");
      if (rule.data !== undefined) out.data = project(rule.data, subject);
      if (base !== undefined) out.id = matched.length > 1 ? `${base}~${i}` : base;
      return out;
    });
    return outputs.length === 1 ? (outputs[0] as PublishRequest) : outputs;
  }
}
