/**
 * Backend proxy hooks (`hooks`): the application's own backend decides who connects, which
 * client subscribes and publishes go through, and answers client RPC calls (docs/hooks.md).
 * Types, defaults and the schema fragment `config-schema.ts` embeds.
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

export interface ConnectHookConfig extends Omit<ProxyHookConfig, "namespaces"> {
  /**
   * Also send tokens (the upgrade token and `auth`/`refresh` frames) to the backend instead of
   * verifying them as JWTs; `false`: a connection with a token is authenticated as before and
   * only a connection without one is asked about. @default false
   */
  tokens: boolean;
}

export interface RpcHookConfig extends Omit<ProxyHookConfig, "namespaces" | "failurePolicy"> {
  /** Methods clients may call (`[]`: any); others are refused with `not_found` without asking. @default [] */
  methods: string[];
}

export interface HooksConfig {
  /** Asked when a client connects (instead of, or beside, JWT): the user, roles and claims, or a refusal. */
  connect?: ConnectHookConfig;
  /** Asked before a client subscription is made: allow, deny, or allow with a filter or rate. */
  subscribe?: SubscribeHookConfig;
  /** Asked before a client publish: allow, deny, or allow with the data rewritten. */
  publish?: ProxyHookConfig;
  /** Asked on a client `rpc` frame; the backend's answer is the reply. */
  rpc?: RpcHookConfig;
  /**
   * Request headers of the client's connection (upgrade or handshake) passed on to every hook,
   * by name, lower case. Nothing else of the request is passed on. @default []
   */
  forwardHeaders: string[];
  /** Cookies of the client's connection passed on to every hook, by name. @default [] */
  forwardCookies: string[];
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
const { namespaces: _n, ...WITHOUT_NAMESPACES } = HOOK_DEFAULTS;
export const CONNECT_HOOK_DEFAULTS = { ...WITHOUT_NAMESPACES, tokens: false };
const { failurePolicy: _f, ...RPC_BASE } = WITHOUT_NAMESPACES;
export const RPC_HOOK_DEFAULTS = { ...RPC_BASE, methods: [] as string[] };

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

const { namespaces: _ns, ...withoutNamespaces } = hookProperties;
const { failurePolicy: _fp, ...rpcProperties } = withoutNamespaces;

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
    connect: {
      type: "object",
      additionalProperties: false,
      required: ["url"],
      properties: { ...withoutNamespaces, tokens: { type: "boolean" } },
    },
    rpc: {
      type: "object",
      additionalProperties: false,
      required: ["url"],
      properties: {
        ...rpcProperties,
        methods: { type: "array", items: { type: "string", minLength: 1, maxLength: 128 } },
      },
    },
    forwardHeaders: { type: "array", items: { type: "string", pattern: "^[a-z0-9!#$%&'*+.^_`|~-]+$" } },
    forwardCookies: { type: "array", items: { type: "string", minLength: 1 } },
  },
} as const;

/** Fills in the defaults of each configured hook. */
export function withHookDefaults(input: Record<string, unknown> | undefined): HooksConfig {
  const i = (input ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const out: HooksConfig = {
    forwardHeaders: (input?.forwardHeaders as string[] | undefined) ?? [],
    forwardCookies: (input?.forwardCookies as string[] | undefined) ?? [],
  };
  if (i.connect) out.connect = { ...CONNECT_HOOK_DEFAULTS, ...i.connect } as ConnectHookConfig;
  if (i.subscribe) out.subscribe = { ...SUBSCRIBE_HOOK_DEFAULTS, ...i.subscribe } as SubscribeHookConfig;
  if (i.publish) out.publish = { ...HOOK_DEFAULTS, ...i.publish } as ProxyHookConfig;
  if (i.rpc) out.rpc = { ...RPC_HOOK_DEFAULTS, ...i.rpc } as RpcHookConfig;
  return out;
}
