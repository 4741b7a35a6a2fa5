/**
 * Backend proxy hooks (`hooks`): the application's own backend decides on client subscribes and
 * publishes (docs/hooks.md). Types, defaults and the schema fragment `config-schema.ts` embeds.
 */

/** One hook: where to ask, how long to wait, what a failure means. */
export interface ProxyHookConfig {
  /** The backend endpoint (http or https); it receives a JSON POST. */
  url: string;
  /** Namespaces (topic prefixes, by whole segments) the hook applies to; `[]`: every topic. @default [] */
  namespaces: string[];
  /** Time allowed for one call. @default 1000 */
  timeoutMs: number;
  /** What a failed call (error, timeout, open breaker, too many in flight) means: `deny` or `allow`. @default "deny" */
  failurePolicy: "deny" | "allow";
  /** Calls in flight at once; more fail at once (the failure policy applies). @default 100 */
  maxInFlight: number;
  /** Consecutive failed calls that open the circuit breaker. @default 5 */
  breakerFailures: number;
  /** Time the breaker stays open before one trial call. @default 5000 */
  halfOpenAfterMs: number;
  /** Extra request headers (e.g. the backend's own API key). @default {} */
  headers: Record<string, string>;
}

export interface SubscribeHookConfig extends ProxyHookConfig {
  /** Seconds a decision is remembered per user and topic (0: ask every time). @default 0 */
  cacheSeconds: number;
  /** Most decisions remembered. @default 10000 */
  cacheSize: number;
}

export interface HooksConfig {
  /** Asked before a client subscription is made: allow, deny, or allow with a filter or rate. */
  subscribe?: SubscribeHookConfig;
  /** Asked before a client publish: allow, deny, or allow with the data rewritten. */
  publish?: ProxyHookConfig;
}

export const HOOK_DEFAULTS: Omit<ProxyHookConfig, "url"> = {
  namespaces: [],
  timeoutMs: 1000,
  failurePolicy: "deny",
  maxInFlight: 100,
  breakerFailures: 5,
  halfOpenAfterMs: 5000,
  headers: {},
};

export const SUBSCRIBE_HOOK_DEFAULTS = { ...HOOK_DEFAULTS, cacheSeconds: 0, cacheSize: 10_000 };

const int = (min: number, max: number) => ({ type: "integer", minimum: min, maximum: max }) as const;
const hookProperties = {
  url: { type: "string", pattern: "^https?://" },
  namespaces: { type: "array", items: { type: "string" } },
  timeoutMs: int(1, 60_000),
  failurePolicy: { enum: ["deny", "allow"] },
  maxInFlight: int(1, 100_000),
  breakerFailures: int(1, 1000),
  halfOpenAfterMs: int(1, 3_600_000),
  headers: { type: "object", additionalProperties: { type: "string" } },
} as const;

/** The schema of `hooks` (config-schema.ts). */
export const hooksSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    subscribe: {
      type: "object",
      additionalProperties: false,
      required: ["url"],
      properties: { ...hookProperties, cacheSeconds: int(0, 86_400), cacheSize: int(1, 10_000_000) },
    },
    publish: { type: "object", additionalProperties: false, required: ["url"], properties: hookProperties },
  },
} as const;

/** Fills in the defaults of each configured hook. */
export function withHookDefaults(
  input: Partial<Record<keyof HooksConfig, Record<string, unknown>>> | undefined,
): HooksConfig {
  const out: HooksConfig = {};
  if (input?.subscribe) out.subscribe = { ...SUBSCRIBE_HOOK_DEFAULTS, ...input.subscribe } as SubscribeHookConfig;
  if (input?.publish) out.publish = { ...HOOK_DEFAULTS, ...input.publish } as ProxyHookConfig;
  return out;
}
