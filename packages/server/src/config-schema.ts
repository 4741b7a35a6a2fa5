/** JSON schema of the effective configuration (after defaults). See docs/configuration.md. */
const int = (minimum: number, maximum = Number.MAX_SAFE_INTEGER) => ({ type: "integer", minimum, maximum }) as const;

const namespace = {
  type: "object",
  additionalProperties: false,
  required: ["prefix", "history", "durable", "presence", "clientPublish"],
  properties: {
    prefix: { type: "string", maxLength: 255, pattern: "^$|^[A-Za-z0-9_\\-:@=+~]+(\\.[A-Za-z0-9_\\-:@=+~]+)*$" },
    history: {
      type: "object",
      additionalProperties: false,
      required: ["size", "ttlSeconds"],
      properties: { size: int(0, 1_000_000), ttlSeconds: int(0) },
    },
    durable: { type: "boolean" },
    presence: { type: "boolean" },
    clientPublish: { type: "boolean" },
  },
} as const;

export const configSchema = {
  type: "object",
  additionalProperties: false,
  required: ["server", "limits", "timeouts", "auth", "namespaces", "recovery", "idempotency", "log"],
  properties: {
    server: {
      type: "object",
      additionalProperties: false,
      required: ["host", "port", "wsPath"],
      properties: {
        host: { type: "string", minLength: 1 },
        port: int(0, 65535),
        wsPath: { type: "string", minLength: 1 },
      },
    },
    limits: {
      type: "object",
      additionalProperties: false,
      required: [
        "maxFrameBytes",
        "maxJsonDepth",
        "maxSubscriptionsPerConnection",
        "maxOutboundBytes",
        "maxConnections",
        "maxBatchSize",
        "maxBodyBytes",
        "maxHistoryLimit",
      ],
      properties: {
        maxFrameBytes: int(1024, 64 * 1024 * 1024),
        maxJsonDepth: int(2, 1000),
        maxSubscriptionsPerConnection: int(1, 100_000),
        maxOutboundBytes: int(1024),
        maxConnections: int(1),
        maxBatchSize: int(1, 100_000),
        maxBodyBytes: int(1024, 256 * 1024 * 1024),
        maxHistoryLimit: int(1, 1_000_000),
      },
    },
    timeouts: {
      type: "object",
      additionalProperties: false,
      required: ["heartbeatMs", "idleMs", "authMs", "shutdownMs"],
      properties: { heartbeatMs: int(100), idleMs: int(0), authMs: int(100), shutdownMs: int(0) },
    },
    auth: {
      type: "object",
      additionalProperties: false,
      required: ["anonymous", "apiKeys"],
      properties: {
        anonymous: { type: "boolean" },
        apiKeys: { type: "array", items: { type: "string", minLength: 16 } },
        jwtSecret: { type: "string", minLength: 16 },
      },
    },
    namespaces: { type: "array", items: namespace, minItems: 1 },
    recovery: {
      type: "object",
      additionalProperties: false,
      required: ["maxEvents", "streamSize", "streamTtlSeconds"],
      properties: { maxEvents: int(0), streamSize: int(1), streamTtlSeconds: int(1) },
    },
    idempotency: {
      type: "object",
      additionalProperties: false,
      required: ["size", "ttlSeconds"],
      properties: { size: int(0), ttlSeconds: int(1) },
    },
    log: {
      type: "object",
      additionalProperties: false,
      required: ["level"],
      properties: { level: { enum: ["fatal", "error", "warn", "info", "debug", "trace", "silent"] } },
    },
  },
} as const;
