/**
 * Configuration of aggregations and alert rules (`compute`, `alerts`) and of analysis sessions
 * (`streams`): types, defaults and the JSON-schema fragments `config-schema.ts` embeds. Both
 * features are off by default (they open the store); `withComputeNamespaces` adds the result
 * namespaces they need when they are on. Every default is in docs/configuration.md.
 */
import type { NamespaceConfig } from "../namespace-config.js";
import type { AggregationSpec } from "./aggregation.js";
import type { AlertRuleSpec } from "./alerts/rule.js";

export interface WebhookConfig {
  /** Time one delivery attempt may take. @default 5000 */
  timeoutMs: number;
  /** Attempts before a delivery is dead-lettered. @default 5 */
  attempts: number;
  /** First retry delay; doubled per attempt, with jitter. @default 1000 */
  backoffMs: number;
  /** Longest retry delay. @default 60000 */
  maxBackoffMs: number;
  /** Failed deliveries kept for inspection (`GET /api/alerts/dead-letters`). @default 1000 */
  deadLetterSize: number;
}

export interface ComputeConfig {
  /** Run aggregations and alert rules (and serve `/api/aggregations`, `/api/alerts`). @default false */
  enabled: boolean;
  /** Prefix of aggregation result topics (a state namespace is added for it). @default "agg" */
  topicPrefix: string;
  /** Aggregations declared here (read-only over the API). @default [] */
  aggregations: AggregationSpec[];
  /** How long after a window's end events may still arrive before it is emitted. @default 1000 */
  graceMs: number;
  /** Interval of window-state checkpoints to the store. @default 5000 */
  checkpointMs: number;
  /** Hours of window history kept for `GET /api/aggregations/{name}/series`. @default 168 */
  seriesRetentionHours: number;
  /** Aggregations (declared and created) one gateway runs. @default 100 */
  maxAggregations: number;
  /** Longest window. @default 604800000 */
  maxWindowMs: number;
  /** Most panes in one window (`window / slide`). @default 3600 */
  maxPanes: number;
  /** Groups kept per pane; more fall into `(other)`. @default 1000 */
  maxGroups: number;
  /** Distinct values kept per pane and group for `distinct`. @default 10000 */
  maxDistinct: number;
}

export interface AlertsConfig {
  /** Rules declared here (read-only over the API). @default [] */
  rules: AlertRuleSpec[];
  /** Rules (declared and created) one gateway runs. @default 10000 */
  maxRules: number;
  /** Outgoing webhook delivery. */
  webhook: WebhookConfig;
}

export interface StreamsConfig {
  /** Serve analysis sessions. @default false */
  enabled: boolean;
  /** HTTP prefix of `start`, `chunk/{id}`, `stop/{id}`, `status/{id}`. @default "/api/v1/stream" */
  prefix: string;
  /** Sessions publish to `{topicPrefix}.{id}` (owner-only). @default "stream" */
  topicPrefix: string;
  /** A session without a chunk for this long is stopped with status `expired`. @default 1800000 */
  inactivityTimeoutMs: number;
  /** Largest chunk body, bytes of JSON. @default 1048576 */
  maxChunkBytes: number;
  /** Active sessions one user may hold. @default 10 */
  maxSessionsPerUser: number;
  /** Chunks one session accepts. @default 10000 */
  maxChunksPerSession: number;
  /** Days a finished session's status stays readable. @default 7 */
  retentionDays: number;
}

export const COMPUTE_DEFAULTS: ComputeConfig = {
  enabled: false,
  topicPrefix: "agg",
  aggregations: [],
  graceMs: 1000,
  checkpointMs: 5000,
  seriesRetentionHours: 168,
  maxAggregations: 100,
  maxWindowMs: 604_800_000,
  maxPanes: 3600,
  maxGroups: 1000,
  maxDistinct: 10_000,
};

export const ALERTS_DEFAULTS: AlertsConfig = {
  rules: [],
  maxRules: 10_000,
  webhook: { timeoutMs: 5000, attempts: 5, backoffMs: 1000, maxBackoffMs: 60_000, deadLetterSize: 1000 },
};

export const STREAMS_DEFAULTS: StreamsConfig = {
  enabled: false,
  prefix: "/api/v1/stream",
  topicPrefix: "stream",
  inactivityTimeoutMs: 1_800_000,
  maxChunkBytes: 1_048_576,
  maxSessionsPerUser: 10,
  maxChunksPerSession: 10_000,
  retentionDays: 7,
};

const int = (minimum: number, maximum = Number.MAX_SAFE_INTEGER) => ({ type: "integer", minimum, maximum }) as const;
const segment = { type: "string", pattern: "^[A-Za-z0-9_\\-:@=+~]+$", maxLength: 64 } as const;

/** Schema fragments for `config-schema.ts`; definitions are checked in depth by their compilers. */
export const computeSchemas = {
  compute: {
    type: "object",
    additionalProperties: false,
    properties: {
      enabled: { type: "boolean" },
      topicPrefix: segment,
      aggregations: { type: "array", items: { type: "object" } },
      graceMs: int(0, 3_600_000),
      checkpointMs: int(100, 3_600_000),
      seriesRetentionHours: int(1, 87_600),
      maxAggregations: int(0, 100_000),
      maxWindowMs: int(1000),
      maxPanes: int(1, 100_000),
      maxGroups: int(1, 1_000_000),
      maxDistinct: int(1, 10_000_000),
    },
  },
  alerts: {
    type: "object",
    additionalProperties: false,
    properties: {
      rules: { type: "array", items: { type: "object" } },
      maxRules: int(0, 10_000_000),
      webhook: {
        type: "object",
        additionalProperties: false,
        properties: {
          timeoutMs: int(100, 600_000),
          attempts: int(1, 100),
          backoffMs: int(1, 3_600_000),
          maxBackoffMs: int(1, 86_400_000),
          deadLetterSize: int(0, 1_000_000),
        },
      },
    },
  },
  streams: {
    type: "object",
    additionalProperties: false,
    properties: {
      enabled: { type: "boolean" },
      prefix: { type: "string", pattern: "^/[A-Za-z0-9_\\-./]*[A-Za-z0-9_\\-]$" },
      topicPrefix: segment,
      inactivityTimeoutMs: int(1000),
      maxChunkBytes: int(1, 16_777_216),
      maxSessionsPerUser: int(1, 1_000_000),
      maxChunksPerSession: int(1, 100_000_000),
      retentionDays: int(1, 36_500),
    },
  },
} as const;

/**
 * The namespaces compute needs when on, appended unless the configuration declares the prefix
 * itself: `{compute.topicPrefix}` as a durable state namespace clients cannot publish to, and
 * `{streams.topicPrefix}` for session progress, read only by each session's owner (the ACL).
 */
export function computeNamespaces(
  base: NamespaceConfig,
  compute: ComputeConfig,
  streams: StreamsConfig,
  declared: ReadonlySet<string>,
): NamespaceConfig[] {
  const out: NamespaceConfig[] = [];
  if (compute.enabled && !declared.has(compute.topicPrefix)) {
    out.push({
      ...base,
      prefix: compute.topicPrefix,
      durable: true,
      state: true,
      clientPublish: false,
      history: { size: 100, ttlSeconds: 0 },
    });
  }
  if (streams.enabled && !declared.has(streams.topicPrefix)) {
    out.push({
      ...base,
      prefix: streams.topicPrefix,
      clientPublish: false,
      history: { size: 1000, ttlSeconds: Math.ceil(streams.inactivityTimeoutMs / 1000) },
    });
  }
  return out;
}
