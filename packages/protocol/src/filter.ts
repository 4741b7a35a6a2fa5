/**
 * The filter language shared by server-side subscription filters, aggregations and alert rules.
 *
 * A filter is a JSON object whose keys are field paths and whose values are conditions; all keys
 * must hold (AND). `$and` / `$or` take a list of filters, `$not` one filter:
 *
 *     {"category": {"in": ["politics", "economy"]}, "sentiment.label": {"eq": "negative"},
 *      "$or": [{"source": {"eq": "trusted_news"}}, {"verified": {"eq": true}}]}
 *
 * A path is dotted. Its first segment names an envelope field (`id`, `topic`, `event`, `source`,
 * `publisher`, `verified`, `kid`, `timestamp`, `seq`, `data`) or, for any other name, a field of
 * the event's `data`: `category` reads `data.category`, `data.category` reads the same field.
 *
 * Operators: `eq`, `ne` (deep JSON equality), `in`, `nin` (list of values), `gt`, `gte`, `lt`,
 * `lte` (numbers, or strings compared with each other), `contains` (substring of a string, or
 * an element of an array), `exists` (boolean). A bare value is shorthand for `{"eq": value}`.
 * A field that is missing matches only `ne`, `nin` and `exists: false`.
 *
 * Compiled once into a predicate; `filterKey` gives a canonical string so that subscribers with
 * the same filter share one evaluation per event.
 */
import { HeraldError } from "./errors.js";

export type FilterOperator = "eq" | "ne" | "in" | "nin" | "gt" | "gte" | "lt" | "lte" | "contains" | "exists";

/** Every operator of the filter language. */
export const FILTER_OPERATORS: readonly FilterOperator[] = [
  "eq",
  "ne",
  "in",
  "nin",
  "gt",
  "gte",
  "lt",
  "lte",
  "contains",
  "exists",
];

export type FilterCondition = { [K in FilterOperator]?: unknown };

/** A filter as sent on the wire or written in configuration. */
export interface Filter {
  $and?: Filter[];
  $or?: Filter[];
  $not?: Filter;
  [path: string]: unknown;
}

/** What a compiled filter reads: the envelope fields it may name and the event's `data`. */
export interface FilterSubject {
  data?: unknown;
  [field: string]: unknown;
}

/** A compiled filter: true when the event matches. */
export type FilterPredicate = (event: FilterSubject) => boolean;

/** Limits on one filter, so that a client cannot make evaluation expensive. */
export interface FilterLimits {
  /** Most conditions (operator uses) in one filter. @default 32 */
  maxConditions: number;
  /** Most values in one `in` / `nin` list. @default 256 */
  maxListSize: number;
  /** Deepest nesting of `$and` / `$or` / `$not`. @default 4 */
  maxDepth: number;
}

export const DEFAULT_FILTER_LIMITS: FilterLimits = { maxConditions: 32, maxListSize: 256, maxDepth: 4 };

const ENVELOPE = new Set([
  "id",
  "topic",
  "event",
  "source",
  "publisher",
  "verified",
  "kid",
  "timestamp",
  "seq",
  "data",
]);
const PATH_SEGMENT = /^[A-Za-z0-9_$@-]{1,64}$/;
const MAX_PATH_SEGMENTS = 8;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function bad(message: string): HeraldError {
  return new HeraldError("invalid_filter", message);
}

/** Reads a dotted path from an event (see the module comment for how paths resolve). */
export function readPath(subject: FilterSubject, segments: readonly string[]): unknown {
  let value: unknown = ENVELOPE.has(segments[0] as string) ? subject : subject.data;
  for (const s of segments) {
    if (!isPlainObject(value)) return undefined;
    value = value[s];
  }
  return value;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as never)[k], (b as never)[k]));
}

function compare(op: "gt" | "gte" | "lt" | "lte", value: unknown, bound: number | string): boolean {
  if (typeof value !== typeof bound) return false;
  const v = value as number | string;
  switch (op) {
    case "gt":
      return v > bound;
    case "gte":
      return v >= bound;
    case "lt":
      return v < bound;
    case "lte":
      return v <= bound;
  }
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

interface Budget {
  conditions: number;
  readonly limits: FilterLimits;
}

function compileCondition(path: string, cond: unknown, budget: Budget): FilterPredicate {
  const segments = path.split(".");
  if (segments.length > MAX_PATH_SEGMENTS || !segments.every((s) => PATH_SEGMENT.test(s))) {
    throw bad(`"${path}" is not a valid field path (dotted names of letters, digits, _ $ @ -)`);
  }
  const ops: Record<string, unknown> = isPlainObject(cond) ? cond : { eq: cond };
  const keys = Object.keys(ops);
  if (keys.length === 0) throw bad(`${path}: a condition needs at least one operator`);
  const tests: Array<(v: unknown) => boolean> = [];
  for (const op of keys) {
    const arg = ops[op];
    const at = `${path}.${op}`;
    if (++budget.conditions > budget.limits.maxConditions) {
      throw bad(`the filter has more than ${budget.limits.maxConditions} conditions`);
    }
    switch (op) {
      case "eq":
        tests.push(isScalar(arg) ? (v) => v === arg : (v) => deepEqual(v, arg));
        break;
      case "ne":
        tests.push(isScalar(arg) ? (v) => v !== arg : (v) => !deepEqual(v, arg));
        break;
      case "in":
      case "nin": {
        if (!Array.isArray(arg)) throw bad(`${at} needs a list of values`);
        if (arg.length > budget.limits.maxListSize) {
          throw bad(`${at} has more than ${budget.limits.maxListSize} values`);
        }
        const scalars = arg.every(isScalar);
        const set = scalars ? new Set(arg) : undefined;
        const has = set ? (v: unknown) => set.has(v) : (v: unknown) => arg.some((x) => deepEqual(v, x));
        tests.push(op === "in" ? (v) => v !== undefined && has(v) : (v) => v === undefined || !has(v));
        break;
      }
      case "gt":
      case "gte":
      case "lt":
      case "lte": {
        if (typeof arg !== "number" && typeof arg !== "string") throw bad(`${at} needs a number or a string`);
        tests.push((v) => compare(op, v, arg));
        break;
      }
      case "contains":
        tests.push((v) =>
          typeof v === "string"
            ? typeof arg === "string" && v.includes(arg)
            : Array.isArray(v) && v.some((x) => deepEqual(x, arg)),
        );
        break;
      case "exists":
        if (typeof arg !== "boolean") throw bad(`${at} needs true or false`);
        tests.push(arg ? (v) => v !== undefined : (v) => v === undefined);
        break;
      default:
        throw bad(`${at}: unknown operator (one of ${FILTER_OPERATORS.join(", ")})`);
    }
  }
  return (event) => {
    const v = readPath(event, segments);
    for (const t of tests) if (!t(v)) return false;
    return true;
  };
}

function compileNode(filter: unknown, depth: number, budget: Budget): FilterPredicate {
  if (!isPlainObject(filter)) throw bad("a filter is a JSON object of field paths and conditions");
  if (depth > budget.limits.maxDepth) throw bad(`the filter nests deeper than ${budget.limits.maxDepth}`);
  const parts: FilterPredicate[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key === "$and" || key === "$or") {
      if (!Array.isArray(value) || value.length === 0) throw bad(`${key} needs a non-empty list of filters`);
      const inner = value.map((f) => compileNode(f, depth + 1, budget));
      parts.push(key === "$and" ? (e) => inner.every((p) => p(e)) : (e) => inner.some((p) => p(e)));
    } else if (key === "$not") {
      const inner = compileNode(value, depth + 1, budget);
      parts.push((e) => !inner(e));
    } else if (key.startsWith("$")) {
      throw bad(`${key}: unknown combinator (one of $and, $or, $not)`);
    } else {
      parts.push(compileCondition(key, value, budget));
    }
  }
  if (parts.length === 1) return parts[0] as FilterPredicate;
  return (e) => {
    for (const p of parts) if (!p(e)) return false;
    return true;
  };
}

/**
 * Checks `filter` and compiles it into a predicate. Throws `invalid_filter` naming the first
 * problem. An empty object matches every event.
 */
export function compileFilter(filter: unknown, limits: FilterLimits = DEFAULT_FILTER_LIMITS): FilterPredicate {
  return compileNode(filter, 0, { conditions: 0, limits });
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** A canonical string for `filter`: equal filters (key order aside) give equal keys. */
export function filterKey(filter: Filter): string {
  return canonical(filter);
}
