/**
 * Outgoing webhooks (`webhooks`): the application's backend hears when a channel becomes
 * occupied or empty, when a presence member arrives or leaves, when a user connects or goes
 * (docs/hooks.md, "Outgoing webhooks"). Off until `url` is set.
 */
import { LIFECYCLE_EVENTS, type LifecycleEventName } from "./lifecycle-event.js";

export interface WebhooksConfig {
  /** Where batches are POSTed; `""`: no webhooks. @default "" */
  url: string;
  /** HMAC-SHA256 key of the `X-Herald-Signature` header (at least 16 characters when `url` is set). @default "" */
  secret: string;
  /** Which events are sent. @default every lifecycle event */
  events: LifecycleEventName[];
  /** Most events in one POST. @default 100 */
  batchMaxEvents: number;
  /** How often the queue is read: a batch holds what arrived meanwhile. @default 200 */
  batchIntervalMs: number;
  /** Tries of one batch before its events are dead-lettered (and the queue moves on). @default 10 */
  attempts: number;
  /** First retry delay, doubled each time (with jitter). @default 500 */
  backoffMs: number;
  /** Longest retry delay. @default 30000 */
  maxBackoffMs: number;
  /** Time allowed for one POST. @default 5000 */
  timeoutMs: number;
  /** Events waiting at most (the oldest are dropped past it, counted in herald_webhook_dropped_total). @default 100000 */
  maxQueue: number;
  /**
   * Redis engine: a node that has not refreshed its mark for this long is gone; its channels,
   * members and users are released (vacated, removed, disconnected) by another node. @default 15000
   */
  nodeTimeoutMs: number;
}

export const WEBHOOKS_DEFAULTS: WebhooksConfig = {
  url: "",
  secret: "",
  events: [...LIFECYCLE_EVENTS],
  batchMaxEvents: 100,
  batchIntervalMs: 200,
  attempts: 10,
  backoffMs: 500,
  maxBackoffMs: 30_000,
  timeoutMs: 5000,
  maxQueue: 100_000,
  nodeTimeoutMs: 15_000,
};

const int = (min: number, max: number) => ({ type: "integer", minimum: min, maximum: max }) as const;

/** The schema of `webhooks` (config-schema.ts). */
export const webhooksSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    url: { type: "string", pattern: "^(https?://.+)?$" },
    secret: { type: "string" },
    events: { type: "array", items: { enum: [...LIFECYCLE_EVENTS] }, uniqueItems: true },
    batchMaxEvents: int(1, 10_000),
    batchIntervalMs: int(1, 60_000),
    attempts: int(1, 1000),
    backoffMs: int(1, 3_600_000),
    maxBackoffMs: int(1, 86_400_000),
    timeoutMs: int(1, 300_000),
    maxQueue: int(1, 100_000_000),
    nodeTimeoutMs: int(1000, 3_600_000),
  },
} as const;

/** Problems the schema cannot state. */
export function webhooksProblems(c: WebhooksConfig): string[] {
  if (c.url !== "" && c.secret.length < 16)
    return ["webhooks.secret must have at least 16 characters when webhooks.url is set"];
  return [];
}
