/**
 * Configuration of the ingest pipeline: the stage list of a namespace (`namespaces[].pipeline`),
 * the dead-letter store (`deadLetters`) and the publisher keys (`publisherKeys`), and their
 * checks at start — one line per problem, naming where it is.
 */
import { Ajv } from "ajv";
import type { DedupOptions } from "./dedup.js";
import type { CategorizeOptions } from "./enrich/categorize.js";
import type { OnError } from "./enrich/enricher.js";
import type { HttpEnricherOptions } from "./enrich/http.js";
import type { LookupOptions } from "./enrich/lookup.js";
import type { SentimentOptions } from "./enrich/sentiment.js";
import type { PublisherKey } from "./publisher-keys.js";
import type { RouteOptions } from "./route.js";
import type { ValidateOptions } from "./validate.js";
import type { VerifyOptions } from "./verify.js";

/** One enricher as configured: its options plus what happens when it fails. */
export type EnrichOptions = { stage: "enrich" /** @default "reject" */; onError?: OnError } & (
  | CategorizeOptions
  | SentimentOptions
  | LookupOptions
  | HttpEnricherOptions
);

/** One configured stage of a namespace's pipeline. */
export type StageOptions = ValidateOptions | VerifyOptions | DedupOptions | EnrichOptions | RouteOptions;

/** Where dead letters are kept. See docs/pipeline.md. */
export interface DeadLettersConfig {
  /** `memory` (lost on restart), `sqlite` (a file), or `postgres` (`store.url`, `store.schema`). @default "memory" */
  store: "memory" | "sqlite" | "postgres";
  /** SQLite file of the `sqlite` store. @default "./data/dead-letters.db" */
  path: string;
  /** Most entries kept; the oldest go first. @default 10000 */
  maxEntries: number;
  /** Days an entry is kept; 0 keeps it until pushed out by `maxEntries`. @default 30 */
  retentionDays: number;
}

/** Publisher keys for the `verify` stage (more can be added through `/api/publisher-keys`). */
export interface PublisherKeysConfig {
  /** Keys `{publisher, kid, alg, publicKey, notAfter?}`. @default [] */
  keys: PublisherKey[];
  /** A JSON file with more keys (a list, or `{keys: [...]}`), read at start. */
  file?: string;
}

const str = { type: "string", minLength: 1 } as const;
const posInt = { type: "integer", minimum: 1 } as const;
const onError = { enum: ["reject", "pass", "dead-letter"] } as const;
const fields = { type: "array", items: str, minItems: 1 } as const;

/** Option schemas per stage (and per enricher), checked at start. */
const SCHEMAS: Record<string, object> = {
  validate: {
    type: "object",
    additionalProperties: false,
    required: ["stage", "schemas"],
    properties: {
      stage: {},
      schemas: { type: "object", additionalProperties: { anyOf: [{ type: "object" }, str] } },
    },
  },
  verify: {
    type: "object",
    additionalProperties: false,
    required: ["stage"],
    properties: { stage: {}, mode: { enum: ["require", "mark", "off"] } },
  },
  dedup: {
    type: "object",
    additionalProperties: false,
    required: ["stage"],
    properties: { stage: {}, size: posInt, ttlSeconds: posInt, fields },
  },
  route: {
    type: "object",
    additionalProperties: false,
    required: ["stage", "rules"],
    properties: {
      stage: {},
      mode: { enum: ["all", "first"] },
      unmatched: { enum: ["pass", "reject"] },
      rules: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          additionalProperties: false,
          required: ["topic"],
          properties: {
            when: { type: "object" },
            topic: str,
            event: str,
            data: { type: "object", additionalProperties: { type: "string", minLength: 1 } },
          },
        },
      },
    },
  },
  "enrich/categorize": {
    type: "object",
    additionalProperties: false,
    required: ["stage", "use", "rules"],
    properties: {
      stage: {},
      use: {},
      onError,
      fields,
      fallback: str,
      rules: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          additionalProperties: false,
          required: ["category"],
          properties: {
            category: str,
            keywords: { type: "array", items: str },
            regex: str,
            tags: { type: "array", items: str },
          },
        },
      },
    },
  },
  "enrich/sentiment": {
    type: "object",
    additionalProperties: false,
    required: ["stage", "use"],
    properties: {
      stage: {},
      use: {},
      onError,
      fields,
      target: str,
      threshold: { type: "number", minimum: 0, maximum: 1 },
    },
  },
  "enrich/lookup": {
    type: "object",
    additionalProperties: false,
    required: ["stage", "use", "field", "table", "target"],
    properties: { stage: {}, use: {}, onError, field: str, table: { type: "object" }, target: str, fallback: {} },
  },
  "enrich/http": {
    type: "object",
    additionalProperties: false,
    required: ["stage", "use", "url"],
    properties: {
      stage: {},
      use: {},
      onError,
      url: { type: "string", pattern: "^https?://" },
      headers: { type: "object", additionalProperties: { type: "string" } },
      timeoutMs: posInt,
      retries: { type: "integer", minimum: 0, maximum: 10 },
      backoffMs: { type: "integer", minimum: 0 },
      breakerFailures: posInt,
      halfOpenAfterMs: posInt,
      target: str,
    },
  },
};

const ajv = new Ajv({ allErrors: true, strict: false });
const checks = new Map(Object.entries(SCHEMAS).map(([k, s]) => [k, ajv.compile(s)]));

/** The schema key of one configured stage, or a problem. */
function kindOf(stage: Record<string, unknown>): string | Error {
  const kind = stage.stage;
  if (kind === "enrich") {
    const use = stage.use;
    if (typeof use !== "string" || !checks.has(`enrich/${use}`)) {
      return new Error(`enrich needs "use": one of categorize, sentiment, lookup, http`);
    }
    return `enrich/${use}`;
  }
  if (typeof kind !== "string" || !checks.has(kind)) {
    return new Error(`"stage" must be one of validate, verify, dedup, enrich, route`);
  }
  return kind;
}

/** Checks the options of a namespace's stage list; one line per problem, prefixed with `where`. */
export function stageOptionProblems(pipeline: unknown, where: string): string[] {
  if (!Array.isArray(pipeline)) return [`${where} must be a list of stages`];
  const problems: string[] = [];
  pipeline.forEach((raw, i) => {
    const at = `${where}[${i}]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      problems.push(`${at} must be an object with a "stage"`);
      return;
    }
    const kind = kindOf(raw as Record<string, unknown>);
    if (kind instanceof Error) {
      problems.push(`${at}: ${kind.message}`);
      return;
    }
    const check = checks.get(kind);
    if (check !== undefined && !check(raw)) {
      for (const e of check.errors ?? []) {
        const path = e.instancePath.replace(/\//g, ".");
        const what =
          e.keyword === "additionalProperties"
            ? `unknown option "${(e.params as { additionalProperty: string }).additionalProperty}"`
            : (e.message ?? "is invalid");
        problems.push(`${at} (${kind})${path}: ${what}`);
      }
    }
  });
  return problems;
}

/** A configuration as far as the pipeline checks read it. */
export interface PipelineConfigView {
  namespaces: ReadonlyArray<{ prefix: string; pipeline?: StageOptions[] }>;
  idempotency: { ttlSeconds: number };
  deadLetters: DeadLettersConfig;
  publisherKeys: PublisherKeysConfig;
  store: { url?: string | undefined };
}

/** The longest dedup window configured in any namespace, in seconds (0 when there is none). */
export function longestDedupSeconds(config: Pick<PipelineConfigView, "namespaces">): number {
  let longest = 0;
  for (const ns of config.namespaces) {
    for (const s of ns.pipeline ?? []) if (s.stage === "dedup") longest = Math.max(longest, s.ttlSeconds ?? 3600);
  }
  return longest;
}

/**
 * Problems of the pipeline configuration that need no building: stage options, the dedup window
 * against the broker's idempotency window, the dead-letter store's needs. One line each.
 */
export function pipelineConfigProblems(config: PipelineConfigView): string[] {
  const problems: string[] = [];
  config.namespaces.forEach((ns, i) => {
    if (ns.pipeline !== undefined)
      problems.push(...stageOptionProblems(ns.pipeline, `config.namespaces[${i}].pipeline`));
  });
  const dedup = longestDedupSeconds(config);
  if (dedup > config.idempotency.ttlSeconds) {
    problems.push(
      `config.idempotency.ttlSeconds (${config.idempotency.ttlSeconds}) is shorter than a dedup stage's ttlSeconds (${dedup}): a duplicate is answered through the broker's idempotency, so it must remember ids as long (leave idempotency.ttlSeconds unset to have it raised)`,
    );
  }
  if (config.deadLetters.store === "postgres" && config.store.url === undefined) {
    problems.push('config.deadLetters.store "postgres" needs config.store.url');
  }
  return problems;
}
