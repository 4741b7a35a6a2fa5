/** JSON schema of the effective configuration (after defaults). See docs/configuration.md. */

import { computeSchemas } from "./compute/compute-config.js";
import { connectorSchema } from "./connectors/connector-config.js";
import { hooksSchema } from "./hooks/hooks-config.js";
import { compressionSchema } from "./transport/compression-config.js";
import { webhooksSchema } from "./webhooks/webhooks-config.js";

const int = (minimum: number, maximum = Number.MAX_SAFE_INTEGER) => ({ type: "integer", minimum, maximum }) as const;

const prefix = {
  type: "string",
  maxLength: 255,
  pattern: "^$|^[A-Za-z0-9_\\-:@=+~]+(\\.[A-Za-z0-9_\\-:@=+~]+)*$",
} as const;

const accessRule = {
  oneOf: [
    { enum: ["anyone", "authenticated", "owner", "admin", "nobody"] },
    {
      type: "object",
      additionalProperties: false,
      required: ["role"],
      properties: { role: { type: "string", minLength: 1 } },
    },
    {
      type: "object",
      additionalProperties: false,
      required: ["claim", "values"],
      properties: {
        claim: { type: "string", minLength: 1 },
        values: { type: "array", items: { anyOf: [{ type: "string" }, { type: "number" }, { type: "boolean" }] } },
      },
    },
  ],
} as const;

const aclRule = { oneOf: [accessRule, { type: "array", minItems: 1, items: accessRule }] } as const;

const jwtAlgorithms = [
  "HS256",
  "HS384",
  "HS512",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const;

const stringOrList = {
  oneOf: [
    { type: "string", minLength: 1 },
    { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
  ],
} as const;

const namespace = {
  type: "object",
  additionalProperties: false,
  required: ["prefix", "history", "durable", "presence", "clientPublish", "acl"],
  properties: {
    prefix,
    history: {
      type: "object",
      additionalProperties: false,
      required: ["size", "ttlSeconds"],
      properties: { size: int(0, 1_000_000), ttlSeconds: int(0) },
    },
    durable: { type: "boolean" },
    presence: { type: "boolean" },
    clientPublish: { type: "boolean" },
    state: { type: "boolean" },
    pipeline: {
      type: "array",
      maxItems: 64,
      items: { type: "object", required: ["stage"], properties: { stage: { type: "string" } } },
    },
    acl: {
      type: "object",
      additionalProperties: false,
      required: ["subscribe", "publish", "history", "presence"],
      properties: { subscribe: aclRule, publish: aclRule, history: aclRule, presence: aclRule },
    },
  },
} as const;

export const configSchema = {
  type: "object",
  additionalProperties: false,
  required: [
    "server",
    "limits",
    "timeouts",
    "auth",
    "namespaces",
    "recovery",
    "idempotency",
    "engine",
    "presence",
    "socketio",
    "sse",
    "endpoints",
    "dashboard",
    "log",
  ],
  properties: {
    server: {
      type: "object",
      additionalProperties: false,
      required: ["host", "port", "wsPath", "allowedOrigins"],
      properties: {
        host: { type: "string", minLength: 1 },
        port: int(0, 65535),
        wsPath: { type: "string", minLength: 1 },
        allowedOrigins: { type: "array", items: { type: "string", minLength: 1 } },
        originRefusal: { enum: ["close", "http"] },
        compression: { type: "boolean" },
      },
    },
    compression: compressionSchema,
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
        "inboundFramesPerSecond",
        "inboundFrameBurst",
        "rateLimitStrikes",
        "connectionsPerIpPerSecond",
        "connectionBurstPerIp",
        "httpRequestsPerSecond",
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
        inboundFramesPerSecond: int(0),
        inboundFrameBurst: int(1),
        rateLimitStrikes: int(1),
        connectionsPerIpPerSecond: int(0),
        connectionBurstPerIp: int(1),
        httpRequestsPerSecond: int(0),
      },
    },
    timeouts: {
      type: "object",
      additionalProperties: false,
      required: ["heartbeatMs", "idleMs", "authMs", "shutdownMs", "httpHeadersMs", "httpRequestMs"],
      properties: {
        heartbeatMs: int(100),
        idleMs: int(0),
        authMs: int(100),
        shutdownMs: int(0),
        httpHeadersMs: int(100),
        httpRequestMs: int(0),
      },
    },
    auth: {
      type: "object",
      additionalProperties: false,
      required: ["anonymous", "apiKeys", "jwt", "rolesClaim", "adminRole", "scopedApiKeys"],
      properties: {
        anonymous: { type: "boolean" },
        anonymousPublish: { type: "boolean" },
        apiKeys: { type: "array", items: { type: "string", minLength: 16 } },
        jwtSecret: { type: "string", minLength: 32 },
        jwt: {
          type: "object",
          additionalProperties: false,
          required: ["keys", "algorithms", "leewaySeconds", "jwksCacheSeconds", "jwksCooldownSeconds"],
          properties: {
            keys: {
              type: "array",
              items: {
                type: "object",
                additionalProperties: false,
                required: ["alg"],
                properties: {
                  kid: { type: "string", minLength: 1 },
                  alg: { enum: jwtAlgorithms },
                  secret: { type: "string", minLength: 32 },
                  pem: { type: "string", minLength: 1 },
                  jwk: { type: "object" },
                },
              },
            },
            jwksUrl: { type: "string", pattern: "^https?://" },
            algorithms: { type: "array", items: { enum: jwtAlgorithms } },
            issuer: stringOrList,
            audience: stringOrList,
            leewaySeconds: int(0, 300),
            jwksCacheSeconds: int(1),
            jwksCooldownSeconds: int(0),
          },
        },
        rolesClaim: { type: "string", minLength: 1 },
        adminRole: { type: "string", minLength: 1 },
        scopedApiKeys: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["name", "key", "publish", "read"],
            properties: {
              name: { type: "string", minLength: 1 },
              key: { type: "string", minLength: 16 },
              publish: { type: "array", items: prefix },
              read: { type: "array", items: prefix },
            },
          },
        },
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
    engine: {
      type: "object",
      additionalProperties: false,
      required: ["type", "redisUrl", "keyPrefix"],
      properties: {
        type: { enum: ["memory", "redis"] },
        redisUrl: { type: "string", pattern: "^rediss?://" },
        sentinels: {
          type: "array",
          maxItems: 16,
          // host:port, or [IPv6]:port
          items: { type: "string", pattern: "^(\\[[0-9A-Fa-f:.]+\\]|[^:\\s\\[\\]]+):[0-9]{1,5}$" },
        },
        sentinelName: { type: "string", minLength: 1, maxLength: 128 },
        keyPrefix: { type: "string", minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_\\-.]+$" },
        commandTimeoutMs: int(100, 600_000),
        healthCheckMs: int(50, 60_000),
        publishBatchMax: int(1, 1000),
        ackReplicas: int(0, 16),
        ackReplicasTimeoutMs: int(10, 60_000),
        durablePendingMax: int(1, 10_000_000),
        durableAckTimeoutMs: int(100, 600_000),
      },
    },
    presence: {
      type: "object",
      additionalProperties: false,
      required: ["ttlSeconds", "maxMembers"],
      properties: { ttlSeconds: int(3, 3600), maxMembers: int(0, 100_000) },
    },
    socketio: {
      type: "object",
      additionalProperties: false,
      required: ["enabled", "path", "recovery", "eventNames", "subscribeEvents"],
      properties: {
        enabled: { type: "boolean" },
        path: { type: "string", minLength: 2 },
        recovery: {
          type: "object",
          additionalProperties: false,
          required: ["enabled", "windowMs", "resyncEvent"],
          properties: {
            enabled: { type: "boolean" },
            windowMs: int(1, 86_400_000),
            resyncEvent: { type: "string", maxLength: 255 },
          },
        },
        eventNames: {
          type: "object",
          maxProperties: 1000,
          additionalProperties: { type: "string", minLength: 1, maxLength: 255 },
        },
        subscribeEvents: {
          type: "object",
          maxProperties: 100,
          additionalProperties: {
            type: "object",
            additionalProperties: false,
            required: ["topic"],
            properties: {
              topic: { type: "string", minLength: 1 },
              filter: {
                type: "object",
                maxProperties: 32,
                additionalProperties: { type: "string", minLength: 1, maxLength: 255 },
              },
              enabledBy: { type: "string", minLength: 1, maxLength: 255 },
            },
          },
        },
      },
    },
    sse: {
      type: "object",
      additionalProperties: false,
      required: ["enabled", "path", "retryMs"],
      properties: { enabled: { type: "boolean" }, path: { type: "string", minLength: 2 }, retryMs: int(0, 3_600_000) },
    },
    endpoints: {
      type: "array",
      maxItems: 1000,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["path", "subscribe"],
        properties: {
          path: { type: "string", minLength: 2, maxLength: 1024 },
          subscribe: { type: "array", maxItems: 100, items: { type: "string", minLength: 1, maxLength: 255 } },
          envelope: { enum: ["native", "typed"] },
          subscription: {
            type: "object",
            additionalProperties: false,
            properties: { filter: { type: "object" }, rate: { type: "object" } },
          },
          eventNames: {
            type: "object",
            maxProperties: 1000,
            additionalProperties: { type: "string", minLength: 1, maxLength: 255 },
          },
          compression: { type: "boolean" },
        },
      },
    },
    store: {
      type: "object",
      additionalProperties: false,
      properties: {
        type: { enum: ["sqlite", "postgres"] },
        path: { type: "string", minLength: 1 },
        url: { type: "string", minLength: 1 },
        schema: { type: "string", pattern: "^[a-z_][a-z0-9_]{0,62}$" },
        poolSize: int(1, 1000),
        batchMaxEvents: int(1, 100_000),
        batchDelayMs: int(0, 10_000),
        retentionSweepMs: int(100),
        snapshotEvery: int(1),
        timeoutMs: int(10, 600_000),
        retryMaxMs: int(10, 600_000),
      },
    },
    inbox: {
      type: "object",
      additionalProperties: false,
      properties: { maxPerUser: int(0), ttlDays: int(0, 36_500) },
    },
    dashboard: {
      type: "object",
      additionalProperties: false,
      required: ["enabled", "path", "statsTopic", "statsIntervalMs", "statsTopTopics", "devLogin"],
      properties: {
        enabled: { type: "boolean" },
        path: { type: "string", minLength: 1, maxLength: 1024 },
        root: { type: "string", minLength: 1 },
        statsTopic: { ...prefix, maxLength: 128 },
        statsIntervalMs: int(100, 3_600_000),
        statsTopTopics: int(0, 1000),
        devLogin: { type: "boolean" },
      },
    },
    publishBudget: {
      type: "object",
      additionalProperties: false,
      required: ["perIpPerSecond", "perIpBurst", "perUserPerSecond", "perUserBurst"],
      properties: {
        perIpPerSecond: int(0),
        perIpBurst: int(1),
        perUserPerSecond: int(0),
        perUserBurst: int(1),
      },
    },
    metricsAccess: {
      type: "object",
      additionalProperties: false,
      required: ["requireApiKey"],
      properties: { requireApiKey: { type: "boolean" } },
    },
    headers: {
      type: "object",
      additionalProperties: false,
      required: ["maxCount", "maxBytes", "maxLastEventIdBytes"],
      properties: {
        maxCount: int(8, 2000),
        maxBytes: int(1024, 1024 * 1024),
        maxLastEventIdBytes: int(16, 1024 * 1024),
      },
    },
    log: {
      type: "object",
      additionalProperties: false,
      required: ["level", "accessLog"],
      properties: {
        level: { enum: ["fatal", "error", "warn", "info", "debug", "trace", "silent"] },
        accessLog: { type: "boolean" },
      },
    },
    ...computeSchemas,
    connectors: { type: "array", items: connectorSchema },
    deadLetters: {
      type: "object",
      additionalProperties: false,
      required: ["store", "path", "maxEntries", "retentionDays"],
      properties: {
        store: { enum: ["memory", "sqlite", "postgres"] },
        path: { type: "string", minLength: 1 },
        maxEntries: int(1, 100_000_000),
        retentionDays: int(0, 36_500),
      },
    },
    hooks: hooksSchema,
    webhooks: webhooksSchema,
    publisherKeys: {
      type: "object",
      additionalProperties: false,
      required: ["keys"],
      properties: {
        keys: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["publisher", "kid", "alg", "publicKey"],
            properties: {
              publisher: { type: "string", minLength: 1, maxLength: 256 },
              kid: { type: "string", minLength: 1, maxLength: 256 },
              alg: { enum: ["ed25519", "secp256k1"] },
              publicKey: { type: "string", minLength: 1 },
              notAfter: { type: "string", minLength: 1 },
            },
          },
        },
        file: { type: "string", minLength: 1 },
      },
    },
    subscriptions: {
      type: "object",
      additionalProperties: false,
      required: ["filter", "rate"],
      properties: {
        filter: {
          type: "object",
          additionalProperties: false,
          required: ["maxConditions", "maxListSize", "maxDepth"],
          properties: { maxConditions: int(1, 10_000), maxListSize: int(1, 1_000_000), maxDepth: int(0, 64) },
        },
        rate: {
          type: "object",
          additionalProperties: false,
          required: ["minIntervalMs", "maxIntervalMs", "maxHeld"],
          properties: { minIntervalMs: int(1), maxIntervalMs: int(1), maxHeld: int(1, 1_000_000) },
        },
      },
    },
  },
} as const;
