/**
 * An aggregation's definition (config `compute.aggregations[]` or `POST /api/aggregations`) and
 * its validation. Problems are `bad_request` (or `invalid_filter`, `invalid_topic`) with a
 * message naming the field, so a bad definition is refused before anything runs.
 */
import {
  compileFilter,
  type Filter,
  type FilterPredicate,
  HeraldError,
  patternProblem,
  topicProblem,
} from "@herald/protocol";
import { parseDuration } from "./duration.js";
import { AGGREGATE_OPS, type AggregateOp } from "./partial.js";

/** An aggregation as written by its author. */
export interface AggregationSpec {
  /** Name: letters, digits, `_` and `-`, up to 64. Results go to `{compute.topicPrefix}.{name}`. */
  name: string;
  /** Topic or pattern read (`posts`, `posts.>`). */
  topic: string;
  /** Only events matching this filter count (filter language, docs/protocol.md "Filters"). */
  filter?: Filter;
  /** Path of the value aggregated (`engagement`, `sentiment.score`); needed by every op but `count`. */
  field?: string;
  /** Operations. @default ["count"] */
  ops?: AggregateOp[];
  /** Window length: ms or `"1s"`, `"1m"`, `"1h"`. */
  window: string | number;
  /** Sliding step (must divide `window`); absent means tumbling windows. */
  slide?: string | number;
  /** Path of the field to group by (`category`). */
  groupBy?: string;
  /** Result topic. @default "{compute.topicPrefix}.{name}" */
  output?: string;
}

/** A validated aggregation, ready to run. */
export interface CompiledAggregation {
  spec: AggregationSpec;
  name: string;
  pattern: boolean;
  predicate: FilterPredicate | undefined;
  field: string[] | undefined;
  groupBy: string[] | undefined;
  ops: AggregateOp[];
  windowMs: number;
  slideMs: number;
  output: string;
}

/** Limits a definition must keep (from config `compute`). */
export interface AggregationLimits {
  /** Longest window. */
  maxWindowMs: number;
  /** Most panes one window spans (`window / slide`). */
  maxPanes: number;
  /** Prefix of default result topics. */
  topicPrefix: string;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

function bad(message: string): never {
  throw new HeraldError("bad_request", message);
}

function pathOf(value: unknown, what: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length > 256 || !PATH.test(value)) bad(`${what} must be a dotted field path`);
  return value.split(".");
}

/** Validates `input` and compiles it; throws a `HeraldError` naming the first problem. */
export function compileAggregation(input: unknown, limits: AggregationLimits): CompiledAggregation {
  if (typeof input !== "object" || input === null || Array.isArray(input)) bad("an aggregation must be an object");
  const spec = input as AggregationSpec;
  const known = new Set(["name", "topic", "filter", "field", "ops", "window", "slide", "groupBy", "output"]);
  for (const k of Object.keys(spec)) if (!known.has(k)) bad(`unknown aggregation field "${k}"`);
  if (typeof spec.name !== "string" || !NAME.test(spec.name)) {
    bad('"name" must be 1-64 letters, digits, "_" or "-"');
  }
  const topicIssue = patternProblem(spec.topic);
  if (topicIssue !== undefined) throw new HeraldError("invalid_topic", `"topic": ${topicIssue}`);
  const ops = spec.ops ?? ["count"];
  if (!Array.isArray(ops) || ops.length === 0) bad('"ops" must be a non-empty list');
  for (const op of ops)
    if (!AGGREGATE_OPS.includes(op)) bad(`unknown op "${String(op)}" (${AGGREGATE_OPS.join(", ")})`);
  const field = pathOf(spec.field, '"field"');
  if (field === undefined && ops.some((op) => op !== "count")) bad(`"field" is needed for ${ops.join(", ")}`);
  const windowMs = parseDuration(spec.window, '"window"');
  const slideMs = spec.slide === undefined ? windowMs : parseDuration(spec.slide, '"slide"');
  if (windowMs > limits.maxWindowMs) bad(`"window" may be at most ${limits.maxWindowMs} ms`);
  if (windowMs % slideMs !== 0) bad('"slide" must divide "window"');
  if (windowMs / slideMs > limits.maxPanes) bad(`"window" / "slide" may be at most ${limits.maxPanes}`);
  const output = spec.output ?? `${limits.topicPrefix}.${spec.name}`;
  const outIssue = topicProblem(output);
  if (outIssue !== undefined) throw new HeraldError("invalid_topic", `"output": ${outIssue}`);
  return {
    spec: { ...spec, ops: [...new Set(ops)] },
    name: spec.name,
    pattern: spec.topic.includes("*") || spec.topic.includes(">"),
    predicate: spec.filter === undefined ? undefined : compileFilter(spec.filter),
    field,
    groupBy: pathOf(spec.groupBy, '"groupBy"'),
    ops: [...new Set(ops)],
    windowMs,
    slideMs,
    output,
  };
}
