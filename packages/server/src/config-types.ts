/**
 * The gateway's configuration, as types: what `resolveConfig` (config.ts) returns. Kept apart
 * from the code that reads, defaults and checks a configuration, so a module that only needs a
 * type (most of them) does not depend on every feature's validation, and no import cycle runs
 * through the configuration (docs/architecture.md).
 */
import type { AlertsConfig, ComputeConfig, StreamsConfig } from "./compute/compute-config.js";
import type { ConnectorConfig } from "./connectors/connector-config.js";
import type { HooksConfig } from "./hooks/hooks-config.js";
import type { HistoryOptions, NamespaceAclConfig, NamespaceConfig } from "./namespace-config.js";
import type { DeadLettersConfig, PublisherKeysConfig } from "./pipeline/options.js";
import type { CompressionConfig } from "./transport/compression-config.js";
import type { EndpointConfig } from "./transport/endpoint-config.js";
import type { WebhooksConfig } from "./webhooks/webhooks-config.js";

export type { AccessRule, AclRule, HistoryOptions, NamespaceAclConfig, NamespaceConfig } from "./namespace-config.js";

export interface LimitsConfig {
  /** Largest inbound WebSocket frame; larger closes with 1009. @default 1048576 */
  maxFrameBytes: number;
  /** Deepest JSON nesting accepted in frames and bodies. @default 32 */
  maxJsonDepth: number;
  /** Subscriptions one connection may hold. @default 100 */
  maxSubscriptionsPerConnection: number;
  /** Bytes queued for one connection before it is closed as a slow consumer (4002). @default 4194304 */
  maxOutboundBytes: number;
  /** Connections one node accepts; more are closed with 4007. @default 10000 */
  maxConnections: number;
  /** Events in one batch publish. @default 1000 */
  maxBatchSize: number;
  /** Largest HTTP request body. @default 1048576 */
  maxBodyBytes: number;
  /** Most events one history request returns. @default 1000 */
  maxHistoryLimit: number;
  /** Inbound frames per second one connection may send (token bucket refill); 0 disables. @default 100 */
  inboundFramesPerSecond: number;
  /** Inbound frames one connection may send in a burst (token bucket size). @default 200 */
  inboundFrameBurst: number;
  /** Frames refused for rate (`rate_limited`) before the connection is closed with 4003. @default 50 */
  rateLimitStrikes: number;
  /** New WebSocket connections per second from one IP (refill); 0 disables. @default 50 */
  connectionsPerIpPerSecond: number;
  /** New WebSocket connections one IP may open in a burst. @default 100 */
  connectionBurstPerIp: number;
  /** HTTP requests per second from one IP (429 + Retry-After); 0 disables. @default 1000 */
  httpRequestsPerSecond: number;
}

export interface TimeoutsConfig {
  /** Interval of server pings; a peer that misses one is closed with 4001. @default 25000 */
  heartbeatMs: number;
  /** Close a connection that sent no frame for this long (4004); 0 disables. @default 0 */
  idleMs: number;
  /** Time allowed for the first `auth` frame when no token came with the upgrade. @default 10000 */
  authMs: number;
  /** Time to drain connections on shutdown before they are closed. @default 5000 */
  shutdownMs: number;
  /** Time a client has to send complete HTTP request headers (also upgrades: slowloris). @default 10000 */
  httpHeadersMs: number;
  /** Time a client has to send a complete HTTP request. @default 30000 */
  httpRequestMs: number;
}

export interface AuthConfig {
  /** Let clients without a token connect, as an anonymous user. @default true */
  anonymous: boolean;
  /**
   * Let anonymous clients publish (where the namespace's `clientPublish` and `acl.publish` allow
   * it). Off by default: an anonymous connection reads, a user with a token writes. @default false
   */
  anonymousPublish: boolean;
  /** API keys accepted by the HTTP API (`Authorization: Bearer <key>` or `X-API-Key`). @default [] */
  apiKeys: string[];
  /** HS256 secret for user tokens (kept for compatibility; `jwt.keys` accepts more key types). */
  jwtSecret?: string;
  /** User-token verification: keys, JWKS, algorithms, issuer, audience. */
  jwt: JwtConfig;
  /** Claim holding the user's roles (a string or an array of strings). @default "roles" */
  rolesClaim: string;
  /** Role that the `admin` ACL rule requires. @default "admin" */
  adminRole: string;
  /** API keys limited to topic prefixes; they may call only topic routes in their scope. @default [] */
  scopedApiKeys: ScopedApiKeyConfig[];
}

/** A JWT verification key from configuration. */
export interface JwtKeyConfig {
  /** Key id: a token whose header names a `kid` is checked only against the key with that id. */
  kid?: string;
  /** The one algorithm this key verifies. */
  alg: JwtAlgorithm;
  /** Shared secret (HS*), at least 32 characters. */
  secret?: string;
  /** Public key as PEM (SPKI or X.509 certificate) for RS*, PS*, ES*, EdDSA. */
  pem?: string;
  /** Public key as a JWK. */
  jwk?: Record<string, unknown>;
}

export type JwtAlgorithm =
  | "HS256"
  | "HS384"
  | "HS512"
  | "RS256"
  | "RS384"
  | "RS512"
  | "PS256"
  | "PS384"
  | "PS512"
  | "ES256"
  | "ES384"
  | "ES512"
  | "EdDSA";

export interface JwtConfig {
  /** Verification keys. `auth.jwtSecret`, when set, adds an HS256 key. @default [] */
  keys: JwtKeyConfig[];
  /** JWKS endpoint, fixed here (never taken from a token); keys are cached. */
  jwksUrl?: string;
  /** Accepted algorithms; `[]` means the algorithms of the configured keys (JWKS needs a list). @default [] */
  algorithms: JwtAlgorithm[];
  /** Required `iss` (one of). */
  issuer?: string | string[];
  /** Required `aud` (one of). */
  audience?: string | string[];
  /** Seconds of clock skew tolerated on `exp` / `nbf`. @default 5 */
  leewaySeconds: number;
  /** Seconds a fetched JWKS is used before it is fetched again. @default 600 */
  jwksCacheSeconds: number;
  /** Seconds between JWKS fetches triggered by an unknown `kid` (forged kids cannot flood the issuer). @default 30 */
  jwksCooldownSeconds: number;
}

/** An API key limited to topic prefixes (by whole segments; `""` is every topic). */
export interface ScopedApiKeyConfig {
  /** Shown in logs instead of the key. */
  name: string;
  /** The key, at least 16 characters. */
  key: string;
  /** Topic prefixes the key may publish to. */
  publish: string[];
  /** Topic prefixes whose history the key may read. */
  read: string[];
}

export interface RecoveryConfig {
  /** Most events one recovery may replay; a larger gap answers `recovered: false`. @default 10000 */
  maxEvents: number;
  /** Events kept in the node's stream log, which recovers pattern subscriptions. @default 100000 */
  streamSize: number;
  /** Seconds an event stays in the stream log. @default 3600 */
  streamTtlSeconds: number;
}

export interface IdempotencyConfig {
  /** Event ids remembered for deduplication. @default 100000 */
  size: number;
  /** Seconds an event id is remembered. @default 600 */
  ttlSeconds: number;
}

export interface EngineConfig {
  /** `memory` (one process) or `redis` (several nodes acting as one through Redis). @default "memory" */
  type: "memory" | "redis";
  /** Redis URL: `redis://[[user]:password@]host:port[/db]`, `rediss://` for TLS. @default "redis://127.0.0.1:6379" */
  redisUrl: string;
  /**
   * Redis Sentinels (`host:port`) to ask for the master of `sentinelName`: the engine follows a
   * failover to the promoted replica. When set, `redisUrl`'s user, password and database still
   * apply, its host and port do not. @default []
   */
  sentinels: string[];
  /** The master group the Sentinels watch (`sentinel monitor <name> …`). @default "mymaster" */
  sentinelName: string;
  /** Prefix of every Redis key and channel; nodes that act as one share it. @default "herald" */
  keyPrefix: string;
  /**
   * Longest a Redis command may take before the request fails with `unavailable` (503); a
   * publish refused this way is never executed later (the script checks this deadline). @default 5000
   */
  commandTimeoutMs: number;
  /** Interval and timeout of the Redis health probe; a node whose probe fails is not ready. @default 1000 */
  healthCheckMs: number;
  /**
   * Most publishes a node sends to Redis in one script call: the publishes of one event-loop
   * turn go together, each sequenced, stored and acknowledged on its own. 1: a call per publish. @default 64
   */
  publishBatchMax: number;
  /**
   * Redis replicas that must hold a publish before it is acknowledged (`WAIT` after each script
   * call); fewer within `ackReplicasTimeoutMs` answers `unconfirmed` (the event was published).
   * 0 acknowledges when the master ran it. @default 0
   */
  ackReplicas: number;
  /** How long a publish waits for `ackReplicas` replicas; less than `commandTimeoutMs`. @default 1000 */
  ackReplicasTimeoutMs: number;
  /**
   * Durable namespaces on the Redis engine: most events waiting in Redis for their store commit;
   * beyond it durable publishes are refused with `unavailable`. @default 100000
   */
  durablePendingMax: number;
  /**
   * How long a durable publish on the Redis engine waits for its store commit before it is
   * answered `unconfirmed` (it was delivered and stays queued for the store). @default 10000
   */
  durableAckTimeoutMs: number;
}

/** Inbox retention, enforced by a background sweep every `store.retentionSweepMs`. See docs/storage.md. */
export interface InboxConfig {
  /** Newest notifications kept per user (notifications to everyone count as one addressee); 0 keeps all. @default 1000 */
  maxPerUser: number;
  /** Days a notification is kept, read or not; 0 keeps them forever. @default 90 */
  ttlDays: number;
}

export interface PresenceConfig {
  /** Seconds a presence entry outlives the last heartbeat of its node (a crashed node's entries go after this). @default 30 */
  ttlSeconds: number;
  /** Largest member list returned; bigger topics answer with the count only. @default 1000 */
  maxMembers: number;
}

export interface SocketIoConfig {
  /** Serve Socket.IO clients (WebSocket and long-polling). @default true */
  enabled: boolean;
  /** Path of the Socket.IO endpoint. @default "/socket.io" */
  path: string;
  /** Socket.IO connection state recovery on Herald's history. See docs/transports.md. */
  recovery: SocketIoRecoveryConfig;
  /**
   * Socket.IO event names for Herald event types, e.g. `{"notification": "new_notification"}`
   * so inbox pushes reach a client under the names it already listens to. @default {}
   */
  eventNames: Record<string, string>;
  /**
   * Client events that set a subscription from their payload, e.g. Lodestar's
   * `subscribe_preferences` `{categories, sources, real_time}`. See docs/transports.md. @default {}
   */
  subscribeEvents: Record<string, SocketIoSubscribeEvent>;
}

/** A client event that (re)sets one subscription of the socket from the event's payload. */
export interface SocketIoSubscribeEvent {
  /** The topic or pattern subscribed, e.g. `content.>`. */
  topic: string;
  /**
   * Filter field → payload key: a non-empty list in the payload becomes `{field: {in: list}}`,
   * a scalar `{field: value}`; an absent or empty key puts no condition on the field. @default {}
   */
  filter?: Record<string, string>;
  /** Payload key whose value `false` means "no live updates": the subscription is dropped. */
  enabledBy?: string;
}

export interface SocketIoRecoveryConfig {
  /** Let an unchanged `socket.io-client` (≥ 4.6) resume its session and receive what it missed. @default true */
  enabled: boolean;
  /** How long after a drop a session can be resumed, ms (Socket.IO's `maxDisconnectionDuration`). @default 120000 */
  windowMs: number;
  /** Event emitted (with `{reason}`) when a client asked to resume and could not; `""` sends none. @default "" */
  resyncEvent: string;
}

export interface SseConfig {
  /** Serve Server-Sent Events. @default true */
  enabled: boolean;
  /** Path of the SSE endpoint. @default "/sse" */
  path: string;
  /** Reconnection delay sent to `EventSource` clients (`retry:`), ms. @default 2000 */
  retryMs: number;
}

/** Where durable history, state snapshots and inboxes are kept. See docs/storage.md. */
export interface StoreConfig {
  /** `sqlite` (embedded, one file) or `postgres`. @default "sqlite" */
  type: "sqlite" | "postgres";
  /** SQLite file. @default "./data/herald.db" */
  path: string;
  /** Postgres connection string (needed for `postgres`). */
  url?: string;
  /** Postgres schema holding Herald's tables (created and migrated by Herald). @default "herald" */
  schema: string;
  /** Postgres connections. @default 10 */
  poolSize: number;
  /** Most events committed in one transaction (group commit). @default 1000 */
  batchMaxEvents: number;
  /** Milliseconds to wait for more events before committing; 0 commits on the next tick. @default 0 */
  batchDelayMs: number;
  /** Interval of the background retention sweep. @default 30000 */
  retentionSweepMs: number;
  /** A state topic's snapshot is checkpointed every this many events. @default 100 */
  snapshotEvery: number;
  /**
   * Longest one store call may wait before it fails with `unavailable` (503, nothing accepted):
   * SQLite retries a lock held by another process off the event loop for this long; Postgres
   * bounds connecting and each query by it. Live (non-durable) events published meanwhile wait
   * behind a pending durable commit at most this long, once per outage. @default 2000
   */
  timeoutMs: number;
  /** Longest pause between attempts to reach a failed store again (backoff from 50 ms). @default 5000 */
  retryMaxMs: number;
}

/**
 * Publish budget shared by every connection of one client IP and of one user, so that the
 * per-connection frame rate cannot be multiplied by reconnecting. See docs/security.md.
 */
export interface PublishBudgetConfig {
  /** Client publishes per second from one IP, all its connections together; 0 disables. @default 1000 */
  perIpPerSecond: number;
  /** Client publishes one IP may send in a burst. @default 2000 */
  perIpBurst: number;
  /** Client publishes per second by one authenticated user, all connections together; 0 disables. @default 200 */
  perUserPerSecond: number;
  /** Client publishes one user may send in a burst. @default 400 */
  perUserBurst: number;
}

/** Who may read `/metrics`. See docs/security.md. */
export interface MetricsAccessConfig {
  /** Require an API key (`auth.apiKeys`) for `/metrics`. @default false */
  requireApiKey: boolean;
}

/** Request header limits (HTTP requests and WebSocket upgrades). */
export interface HeadersConfig {
  /** Most header lines in one request; more get 431 `headers_too_large`. @default 100 */
  maxCount: number;
  /** Largest total header size in bytes; larger gets 431 `headers_too_large`. @default 32768 */
  maxBytes: number;
  /** Longest SSE `Last-Event-ID` (header or `lastEventId` query); longer gets 400 `invalid_position`. @default 8192 */
  maxLastEventIdBytes: number;
}

/** The web dashboard and the per-node stats it charts. See docs/dashboard.md. */
export interface DashboardConfig {
  /** Serve the dashboard's built assets from the gateway's own port. @default true */
  enabled: boolean;
  /** Path the dashboard is served at (a trailing "/" is added). @default "/" */
  path: string;
  /** Directory of the built dashboard. @default the `dist` folder of the @herald/dashboard package */
  root?: string;
  /**
   * Topic each node publishes its stats sample to (admin-only, read-only for clients); `""` turns
   * the stats off. @default "herald.stats"
   */
  statsTopic: string;
  /** Interval between two stats samples of a node. @default 1000 */
  statsIntervalMs: number;
  /** Busiest topics listed in each stats sample. @default 20 */
  statsTopTopics: number;
  /**
   * Development only: the sign-in page offers a button that mints a one-hour admin token, for
   * requests from this machine (loopback) only. @default false
   */
  devLogin: boolean;
}

/** Server-side subscription filters and delivery rates (docs/protocol.md, "Filters", "Delivery rate"). */
export interface SubscriptionsConfig {
  filter: {
    /** Most conditions (operator uses) in one filter. @default 32 */
    maxConditions: number;
    /** Most values in one `in` / `nin` list. @default 256 */
    maxListSize: number;
    /** Deepest nesting of `$and` / `$or` / `$not`. @default 4 */
    maxDepth: number;
  };
  rate: {
    /** Shortest `rate.intervalMs` a subscription may ask for. @default 10 */
    minIntervalMs: number;
    /** Longest `rate.intervalMs` a subscription may ask for. @default 3600000 */
    maxIntervalMs: number;
    /** Most events (batch) or keys (conflate) held per subscription between deliveries; more flush early. @default 1000 */
    maxHeld: number;
  };
}

export interface HeraldConfig {
  server: {
    /** @default "0.0.0.0" */
    host: string;
    /** @default 8080 */
    port: number;
    /** Path of the native WebSocket endpoint. @default "/ws" */
    wsPath: string;
    /**
     * Origins allowed to open WebSockets (`https://app.example.com`, `https://*.example.com`,
     * `*`). `[]` allows same-origin upgrades and clients that send no Origin. @default []
     */
    allowedOrigins: string[];
    /**
     * How the native WebSocket endpoint refuses an Origin that is not allowed: `close` completes
     * the upgrade and closes at once with 4504, which a browser page can read (its client stops
     * retrying); `http` answers 403 before the upgrade (a page sees only 1006). @default "close"
     */
    originRefusal: "close" | "http";
    /** Offer permessage-deflate on the native WebSocket endpoint, on the terms of `compression`. @default false */
    compression: boolean;
  };
  /** permessage-deflate terms of the endpoints that offer it (`server.compression`, `endpoints[].compression`). */
  compression: CompressionConfig;
  limits: LimitsConfig;
  timeouts: TimeoutsConfig;
  auth: AuthConfig;
  /** The default namespace (prefix `""`) applies where no other prefix matches. */
  namespaces: NamespaceConfig[];
  recovery: RecoveryConfig;
  idempotency: IdempotencyConfig;
  store: StoreConfig;
  inbox: InboxConfig;
  engine: EngineConfig;
  presence: PresenceConfig;
  socketio: SocketIoConfig;
  sse: SseConfig;
  /** Configured WebSocket endpoints that auto-subscribe their connections. @default [] */
  endpoints: EndpointConfig[];
  dashboard: DashboardConfig;
  publishBudget: PublishBudgetConfig;
  metricsAccess: MetricsAccessConfig;
  headers: HeadersConfig;
  log: {
    /** pino level: fatal, error, warn, info, debug, trace, silent. @default "info" */
    level: string;
    /** One info line per HTTP API request (method, path, status, duration). @default false */
    accessLog: boolean;
  };
  /** Aggregations (docs/aggregations.md). */
  compute: ComputeConfig;
  /** Alert rules (docs/alerts.md). */
  alerts: AlertsConfig;
  /** Streaming analysis sessions (docs/streams.md). */
  streams: StreamsConfig;
  /** Sources events flow in from (docs/connectors.md). @default [] */
  connectors: ConnectorConfig[];
  /** Subscription filters and delivery rates. */
  subscriptions: SubscriptionsConfig;
  /** Where events refused by a pipeline stage after a source handed them in are kept. */
  deadLetters: DeadLettersConfig;
  /** Keys of signing publishers, for the `verify` stage. */
  publisherKeys: PublisherKeysConfig;
  /** The backend's proxy hooks on client subscribes and publishes (docs/hooks.md). @default {} */
  hooks: HooksConfig;
  /** Outgoing webhooks: channel occupied/vacated, presence members, user connections (docs/hooks.md). */
  webhooks: WebhooksConfig;
}

/** A partial configuration as written in a file or passed to `createGateway`. */
export type HeraldConfigInput = {
  [K in keyof HeraldConfig]?: K extends "endpoints"
    ? EndpointConfig[]
    : K extends "hooks"
      ? {
          [H in keyof HooksConfig]?: HooksConfig[H] extends string[] | undefined
            ? string[]
            : Partial<NonNullable<HooksConfig[H]>> & { url: string };
        }
      : K extends "connectors"
        ? Array<Partial<ConnectorConfig> & { type: string; name: string }>
        : HeraldConfig[K] extends Array<infer U>
          ? Array<Partial<U> & { prefix: string; history?: Partial<HistoryOptions>; acl?: Partial<NamespaceAclConfig> }>
          : Partial<HeraldConfig[K]>;
};
