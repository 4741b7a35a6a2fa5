/**
 * Gateway configuration: defaults spread once, a file (YAML or JSON) merged over them, then
 * environment overrides, validated against one JSON schema, frozen. Every default below is
 * documented in docs/configuration.md; a test keeps the two in step.
 */
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";
import { parse as parseYaml } from "yaml";
import { authConfigProblems } from "./auth/config-check.js";
import {
  ALERTS_DEFAULTS,
  COMPUTE_DEFAULTS,
  type ComputeConfig,
  computeNamespaces,
  STREAMS_DEFAULTS,
  type StreamsConfig,
} from "./compute/compute-config.js";
import { computeConfigProblems } from "./compute/config-check.js";
import { configSchema } from "./config-schema.js";
import type { HeraldConfig, IdempotencyConfig, NamespaceConfig } from "./config-types.js";
import { connectorProblems, withConnectorDefaults } from "./connectors/connector-config.js";
import { dashboardProblems } from "./dashboard/dashboard-config.js";
import { withHookDefaults } from "./hooks/hooks-config.js";
import { type PipelineNamespace, pipelineBuildProblems } from "./pipeline/build.js";
import { MemoryDeadLetterStore } from "./pipeline/dead-letter-memory.js";
import { longestDedupSeconds, pipelineConfigProblems } from "./pipeline/options.js";
import { KeyRegistry, readKeyFile } from "./pipeline/publisher-keys.js";
import { COMPRESSION_DEFAULTS } from "./transport/compression-config.js";
import { endpointProblems } from "./transport/endpoint-config.js";
import { socketIoNameProblems } from "./transport/socketio-names.js";
import { WEBHOOKS_DEFAULTS, webhooksProblems } from "./webhooks/webhooks-config.js";

export type * from "./config-types.js";

import { ConfigError } from "./config-error.js";

export const DEFAULT_NAMESPACE: NamespaceConfig = {
  prefix: "",
  history: { size: 100, ttlSeconds: 300 },
  durable: false,
  presence: false,
  clientPublish: true,
  state: false,
  acl: { subscribe: "anyone", publish: "anyone", history: "anyone", presence: "anyone" },
  pipeline: [],
};

export const DEFAULTS: HeraldConfig = {
  server: {
    host: "0.0.0.0",
    port: 8080,
    wsPath: "/ws",
    allowedOrigins: [],
    originRefusal: "close",
    compression: false,
  },
  compression: COMPRESSION_DEFAULTS,
  limits: {
    maxFrameBytes: 1_048_576,
    maxJsonDepth: 32,
    maxSubscriptionsPerConnection: 100,
    maxOutboundBytes: 4_194_304,
    maxConnections: 10_000,
    maxBatchSize: 1000,
    maxBodyBytes: 1_048_576,
    maxHistoryLimit: 1000,
    inboundFramesPerSecond: 100,
    inboundFrameBurst: 200,
    rateLimitStrikes: 50,
    connectionsPerIpPerSecond: 50,
    connectionBurstPerIp: 100,
    httpRequestsPerSecond: 1000,
  },
  timeouts: {
    heartbeatMs: 25_000,
    idleMs: 0,
    authMs: 10_000,
    shutdownMs: 5000,
    httpHeadersMs: 10_000,
    httpRequestMs: 30_000,
  },
  auth: {
    anonymous: true,
    anonymousPublish: false,
    apiKeys: [],
    jwt: { keys: [], algorithms: [], leewaySeconds: 5, jwksCacheSeconds: 600, jwksCooldownSeconds: 30 },
    rolesClaim: "roles",
    adminRole: "admin",
    scopedApiKeys: [],
  },
  namespaces: [DEFAULT_NAMESPACE],
  recovery: { maxEvents: 10_000, streamSize: 100_000, streamTtlSeconds: 3600 },
  idempotency: { size: 100_000, ttlSeconds: 600 },
  store: {
    type: "sqlite",
    path: "./data/herald.db",
    schema: "herald",
    poolSize: 10,
    batchMaxEvents: 1000,
    batchDelayMs: 0,
    retentionSweepMs: 30_000,
    snapshotEvery: 100,
    timeoutMs: 2000,
    retryMaxMs: 5000,
  },
  inbox: { maxPerUser: 1000, ttlDays: 90 },
  engine: {
    type: "memory",
    redisUrl: "redis://127.0.0.1:6379",
    sentinels: [],
    sentinelName: "mymaster",
    keyPrefix: "herald",
    commandTimeoutMs: 5000,
    healthCheckMs: 1000,
    publishBatchMax: 64,
    ackReplicas: 0,
    ackReplicasTimeoutMs: 1000,
    durablePendingMax: 100_000,
    durableAckTimeoutMs: 10_000,
  },
  presence: { ttlSeconds: 30, maxMembers: 1000 },
  socketio: {
    enabled: true,
    path: "/socket.io",
    recovery: { enabled: true, windowMs: 120_000, resyncEvent: "" },
    eventNames: {},
    subscribeEvents: {},
  },
  sse: { enabled: true, path: "/sse", retryMs: 2000 },
  endpoints: [],
  dashboard: {
    enabled: true,
    path: "/",
    statsTopic: "herald.stats",
    statsIntervalMs: 1000,
    statsTopTopics: 20,
    devLogin: false,
  },
  publishBudget: { perIpPerSecond: 1000, perIpBurst: 2000, perUserPerSecond: 200, perUserBurst: 400 },
  metricsAccess: { requireApiKey: false },
  headers: { maxCount: 100, maxBytes: 32_768, maxLastEventIdBytes: 8192 },
  log: { level: "info", accessLog: false },
  compute: COMPUTE_DEFAULTS,
  alerts: ALERTS_DEFAULTS,
  streams: STREAMS_DEFAULTS,
  connectors: [],
  subscriptions: {
    filter: { maxConditions: 32, maxListSize: 256, maxDepth: 4 },
    rate: { minIntervalMs: 10, maxIntervalMs: 3_600_000, maxHeld: 1000 },
  },
  deadLetters: { store: "memory", path: "./data/dead-letters.db", maxEntries: 10_000, retentionDays: 30 },
  publisherKeys: { keys: [] },
  hooks: { forwardHeaders: [], forwardCookies: [] },
  webhooks: WEBHOOKS_DEFAULTS,
};

export { ConfigError } from "./config-error.js";

/** Environment variables read over the file, with the config path each sets. */
export const ENV_OVERRIDES: Record<string, { path: string[]; kind: "string" | "int" | "bool" | "list" }> = {
  HERALD_HOST: { path: ["server", "host"], kind: "string" },
  HERALD_PORT: { path: ["server", "port"], kind: "int" },
  PORT: { path: ["server", "port"], kind: "int" },
  HERALD_WS_PATH: { path: ["server", "wsPath"], kind: "string" },
  HERALD_API_KEYS: { path: ["auth", "apiKeys"], kind: "list" },
  HERALD_JWT_SECRET: { path: ["auth", "jwtSecret"], kind: "string" },
  HERALD_ANONYMOUS: { path: ["auth", "anonymous"], kind: "bool" },
  HERALD_ANONYMOUS_PUBLISH: { path: ["auth", "anonymousPublish"], kind: "bool" },
  HERALD_LOG_LEVEL: { path: ["log", "level"], kind: "string" },
  HERALD_ACCESS_LOG: { path: ["log", "accessLog"], kind: "bool" },
  HERALD_ENGINE: { path: ["engine", "type"], kind: "string" },
  HERALD_REDIS_URL: { path: ["engine", "redisUrl"], kind: "string" },
  HERALD_REDIS_SENTINELS: { path: ["engine", "sentinels"], kind: "list" },
  HERALD_REDIS_SENTINEL_NAME: { path: ["engine", "sentinelName"], kind: "string" },
  HERALD_KEY_PREFIX: { path: ["engine", "keyPrefix"], kind: "string" },
  HERALD_MAX_CONNECTIONS: { path: ["limits", "maxConnections"], kind: "int" },
  HERALD_STORE: { path: ["store", "type"], kind: "string" },
  HERALD_STORE_PATH: { path: ["store", "path"], kind: "string" },
  HERALD_STORE_URL: { path: ["store", "url"], kind: "string" },
  HERALD_DASHBOARD_DEV_LOGIN: { path: ["dashboard", "devLogin"], kind: "bool" },
};

function envValue(name: string, raw: string, kind: "string" | "int" | "bool" | "list"): unknown {
  switch (kind) {
    case "string":
      return raw;
    case "int": {
      if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError([`${name} must be an integer, got "${raw}"`]);
      return Number(raw);
    }
    case "bool": {
      const v = raw.trim().toLowerCase();
      if (["1", "true", "yes", "on"].includes(v)) return true;
      if (["0", "false", "no", "off"].includes(v)) return false;
      throw new ConfigError([`${name} must be true or false, got "${raw}"`]);
    }
    case "list":
      return raw
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function merge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (k === "__proto__" || k === "constructor" || k === "prototype") continue;
    out[k] = merge(base[k], v);
  }
  return out;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}

const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: false });
const validate = ajv.compile(configSchema);

/** `config.namespaces[0].history`: list items numbered from 0 in brackets, as every other check does. */
export function configPath(instancePath: string): string {
  const segments = instancePath.split("/").slice(1);
  return `config${segments.map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`)).join("")}`;
}

function describe(e: ErrorObject): string {
  const where = configPath(e.instancePath);
  if (e.keyword === "additionalProperties") {
    return `${where}: unknown option "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  }
  if (e.keyword === "enum") {
    const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
    return `${where} must be one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  return `${where} ${e.message ?? "is invalid"}`;
}

/** Reads a YAML or JSON configuration file. */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError([`cannot read config file ${path}: ${(err as Error).message}`]);
  }
  try {
    return path.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError([
      `config file ${path} is not valid ${path.endsWith(".json") ? "JSON" : "YAML"}: ${(err as Error).message}`,
    ]);
  }
}

/**
 * Builds the effective configuration: defaults, then `input`, then `env` overrides.
 * Namespaces are merged over the default namespace one by one. Throws `ConfigError`.
 */
export function resolveConfig(input: unknown = {}, env: Record<string, string | undefined> = {}): HeraldConfig {
  if (input === null || input === undefined) input = {};
  if (!isPlainObject(input)) throw new ConfigError(["config must be an object"]);
  let raw = input as Record<string, unknown>;
  for (const [name, spec] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    const patch: Record<string, unknown> = {};
    let cursor = patch;
    spec.path.forEach((key, i) => {
      if (i === spec.path.length - 1) cursor[key] = envValue(name, value, spec.kind);
      else {
        cursor[key] = {};
        cursor = cursor[key] as Record<string, unknown>;
      }
    });
    raw = merge(raw, patch) as Record<string, unknown>;
  }
  const { namespaces, ...rest } = raw;
  const merged = merge(DEFAULTS, rest) as Record<string, unknown>;
  let defaultNs: unknown = DEFAULT_NAMESPACE;
  const others: unknown[] = [];
  // The merged list puts the default namespace first; errors must name the user's own index.
  let defaultIndex = -1;
  const otherIndex: number[] = [];
  if (namespaces !== undefined) {
    if (!Array.isArray(namespaces)) throw new ConfigError(["config.namespaces must be an array"]);
    namespaces.forEach((ns, i) => {
      if (isPlainObject(ns) && ns.prefix === "") {
        defaultNs = merge(DEFAULT_NAMESPACE, ns);
        defaultIndex = i;
      }
    });
    namespaces.forEach((ns, i) => {
      if (!(isPlainObject(ns) && ns.prefix === "")) {
        others.push(merge(defaultNs, ns));
        otherIndex.push(i);
      }
    });
  }
  const declared = new Set([defaultNs, ...others].map((ns) => (isPlainObject(ns) ? ns.prefix : undefined) as string));
  const added = computeNamespaces(
    defaultNs as NamespaceConfig,
    merged.compute as ComputeConfig,
    merged.streams as StreamsConfig,
    declared,
  );
  merged.namespaces = [defaultNs, ...others, ...added];
  if (Array.isArray(merged.connectors)) merged.connectors = merged.connectors.map(withConnectorDefaults);
  if (isPlainObject(merged.hooks)) merged.hooks = withHookDefaults(merged.hooks as Record<string, unknown>);
  if (!validate(merged)) {
    const userIndex = [defaultIndex, ...otherIndex];
    const renumber = (e: ErrorObject): ErrorObject => {
      const m = /^\/namespaces\/(\d+)(.*)$/.exec(e.instancePath);
      const i = m ? userIndex[Number(m[1])] : undefined;
      return i === undefined || i < 0 ? e : { ...e, instancePath: `/namespaces/${i}${m?.[2] ?? ""}` };
    };
    throw new ConfigError((validate.errors ?? []).map((e) => describe(renumber(e))));
  }
  // A dedup window longer than the broker's idempotency window raises it, unless it was set.
  const idempotencySet = isPlainObject(raw.idempotency) && raw.idempotency.ttlSeconds !== undefined;
  const dedupSeconds = longestDedupSeconds(merged as unknown as HeraldConfig);
  const idempotency = merged.idempotency as IdempotencyConfig;
  if (!idempotencySet && dedupSeconds > idempotency.ttlSeconds) idempotency.ttlSeconds = dedupSeconds;
  const config = merged as unknown as HeraldConfig;
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const ns of config.namespaces) {
    if (seen.has(ns.prefix)) problems.push(`config.namespaces: prefix "${ns.prefix}" is declared twice`);
    seen.add(ns.prefix);
  }
  if (config.recovery.maxEvents > config.recovery.streamSize) {
    problems.push("config.recovery.maxEvents must not exceed config.recovery.streamSize");
  }
  if (!config.server.wsPath.startsWith("/")) problems.push('config.server.wsPath must start with "/"');
  if (config.engine.ackReplicas > 0 && config.engine.ackReplicasTimeoutMs >= config.engine.commandTimeoutMs)
    problems.push("config.engine.ackReplicasTimeoutMs must be less than config.engine.commandTimeoutMs");
  for (const ns of config.namespaces) {
    if (ns.state && !ns.durable)
      problems.push(`config.namespaces: "${ns.prefix}" has state: true, which needs durable: true`);
  }
  if (config.store.type === "postgres" && config.store.url === undefined) {
    problems.push('config.store.url is needed for store.type "postgres"');
  }
  problems.push(...authConfigProblems(config));
  problems.push(...computeConfigProblems(config));
  if (config.metricsAccess.requireApiKey && config.auth.apiKeys.length === 0) {
    problems.push("config.metricsAccess.requireApiKey needs at least one key in config.auth.apiKeys");
  }
  for (const p of [config.socketio.path, config.sse.path]) {
    if (!p.startsWith("/")) problems.push(`transport path "${p}" must start with "/"`);
  }
  problems.push(...socketIoNameProblems(config.socketio));
  problems.push(...connectorProblems(config.connectors));
  problems.push(...endpointProblems(config.endpoints, [config.server.wsPath, config.socketio.path, config.sse.path]));
  problems.push(...dashboardProblems(config));
  problems.push(...pipelineProblems(config));
  problems.push(...webhooksProblems(config.webhooks).map((p) => `config.${p}`));
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(structuredClone(config));
}

/** Pipeline options, then (when they are well-formed) whether every stage and key can be built. */
function pipelineProblems(config: HeraldConfig): string[] {
  const problems = pipelineConfigProblems(config);
  if (problems.length > 0) return problems;
  let keys: KeyRegistry;
  try {
    const file = config.publisherKeys.file;
    keys = new KeyRegistry([...config.publisherKeys.keys, ...(file !== undefined ? readKeyFile(file) : [])]);
  } catch (err) {
    return [`config.publisherKeys: ${(err as Error).message}`];
  }
  const namespaces = config.namespaces as readonly PipelineNamespace[];
  return pipelineBuildProblems(namespaces, { keys, deadLetters: new MemoryDeadLetterStore(1) });
}

/** `resolveConfig` over a file (when given) and `process.env`. */
export function loadConfig(path?: string, env: Record<string, string | undefined> = process.env): HeraldConfig {
  const file = path ?? env.HERALD_CONFIG;
  return resolveConfig(file ? readConfigFile(file) : {}, env);
}
