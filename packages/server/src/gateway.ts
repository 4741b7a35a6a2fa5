/**
 * Wires the parts together: configuration, broker, hub, auth, transports, HTTP API. The only
 * module that knows all of them. Runs standalone (`listen`) or inside an existing Node HTTP
 * server (`attach` + `middleware`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { BROADCAST_TOPIC, CloseCode, HeraldError, type HeraldEvent, personalTopic } from "@herald/protocol";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { requireApiKeyOrAdmin } from "./api/auth.js";
import { registerComputeRoutes } from "./api/compute.js";
import { registerCors } from "./api/cors.js";
import { registerDashboardRoutes } from "./api/dashboard.js";
import { registerDeadLetterRoutes } from "./api/dead-letters.js";
import { registerErrorHandling } from "./api/errors.js";
import { type HealthState, registerHealthRoutes } from "./api/health.js";
import { registerInboxRoutes } from "./api/inbox.js";
import { registerIngestRoutes } from "./api/ingest.js";
import { registerRequestObservers } from "./api/observe.js";
import { registerOpenApi } from "./api/openapi.js";
import { registerPipelineRoutes } from "./api/pipeline.js";
import { registerPresenceRoutes } from "./api/presence.js";
import { registerPublishRoutes } from "./api/publish.js";
import { registerPublisherKeyRoutes } from "./api/publisher-keys.js";
import { registerStateRoutes } from "./api/state.js";
import { registerTopicRoutes } from "./api/topics.js";
import { registerUserRoutes } from "./api/users.js";
import type { Acl } from "./auth/acl.js";
import { NamespaceAcl } from "./auth/acl.js";
import { ApiKeys } from "./auth/api-key.js";
import type { Authenticator } from "./auth/authenticator.js";
import { authenticatorFromConfig } from "./auth/from-config.js";
import { ANONYMOUS } from "./auth/principal.js";
import { Compute, type ComputeOptions } from "./compute/compute.js";
import { type HeraldConfig, type HeraldConfigInput, resolveConfig } from "./config.js";
import { Connectors, checkpointStoreFor } from "./connectors/connectors.js";
import { GatewayCore } from "./core.js";
import { registerDashboard } from "./dashboard/assets.js";
import { statsNamespaces } from "./dashboard/dashboard-config.js";
import { DevLogin } from "./dashboard/dev-login.js";
import { NodeStats } from "./dashboard/node-stats.js";
import type { Broker, PublishOutcome } from "./engine/broker.js";
import { createEngine } from "./engine/engine.js";
import { instrumentRedis, redisCommandSeconds } from "./engine/redis-metrics.js";
import { Features } from "./features.js";
import { Hooks } from "./hooks/hooks.js";
import { Hub } from "./hub/hub.js";
import { Namespaces } from "./hub/namespaces.js";
import { Inbox } from "./inbox/inbox.js";
import { InboxRetention } from "./inbox/retention.js";
import { parseJson } from "./json.js";
import { answerClientErrors, httpServerOptions, registerHeaderLimits, registerHttpRateLimit } from "./limits/http.js";
import { ORIGIN_CLOSE, UpgradeGuard } from "./limits/upgrade-guard.js";
import { createLogger, type Logger } from "./log.js";
import { Metrics } from "./metrics.js";
import type { DeadLetterStore } from "./pipeline/dead-letter.js";
import type { Ingest } from "./pipeline/ingest.js";
import { PipelineRuntime } from "./pipeline/runtime.js";
import type { Session } from "./session.js";
import { Sessions } from "./sessions.js";
import { RedisSnapshotStore } from "./state/snapshot-store-redis.js";
import { StateTopics } from "./state/state-topics.js";
import { Storage } from "./store/storage.js";
import type { Store } from "./store/store.js";
import { StreamAcl } from "./streams/stream-acl.js";
import { traceDelivery, tracingOn } from "./tracing/tracing.js";
import { type InstalledTransports, installTransports } from "./transport/install.js";
import { WsEndpoint } from "./transport/ws.js";
import { VERSION } from "./version.js";
import { WebhookMetrics } from "./webhooks/webhook-metrics.js";
import { Webhooks } from "./webhooks/webhooks.js";

export interface GatewayOptions {
  /** Configuration (partial: defaults fill the rest). */
  config?: HeraldConfigInput | HeraldConfig;
  /** Logger; built from `config.log.level` when absent. */
  logger?: Logger;
  /** Broker; the in-memory broker when absent. */
  broker?: Broker;
  /** Store for durable history, state and inboxes; built from `config.store` when absent. */
  store?: Store;
  authenticator?: Authenticator;
  acl?: Acl;
  /** Collect Node process metrics in /metrics. @default true */
  defaultMetrics?: boolean;
  /** Aggregations, alerts and analysis sessions: their store, clock, dead-letter store. */
  compute?: ComputeOptions;
  /** Dead-letter store; built from `config.deadLetters` when absent. */
  deadLetters?: DeadLetterStore;
}

/** Handles a WebSocket upgrade when its path is served; returns false otherwise. */
export type UpgradeRoute = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => boolean;

/** Handles a plain HTTP request outside Fastify (SSE, Socket.IO polling); returns false when not its path. */
export type RequestRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

/** Rejects every token: used when no key is configured for user tokens. */
class NoTokens implements Authenticator {
  async authenticate(): Promise<never> {
    throw new HeraldError("unauthorized", "this server verifies no user tokens (configure auth.jwtSecret)");
  }
}

export class Gateway {
  readonly core: GatewayCore;
  readonly http: FastifyInstance;
  readonly ws: WsEndpoint;
  /** The store: durable history, the inbox's retention. */
  readonly storage: Storage;
  /** State topics (`namespaces[].state`), checkpointed in the store or, on the Redis engine, in Redis. */
  readonly state: StateTopics;
  /** Per-user notifications, kept in the store (docs/http-api.md). */
  readonly inbox: Inbox;
  /** Background inbox retention (`inbox.maxPerUser`, `inbox.ttlDays`). */
  readonly inboxRetention: InboxRetention;
  /** Socket.IO, SSE and configured endpoints, as configured. */
  readonly transports: InstalledTransports;
  /** Aggregations, alert rules and analysis sessions (`compute`, `alerts`, `streams`). */
  readonly compute: Compute;
  /** Namespace pipelines, dead letters and publisher keys (docs/pipeline.md). */
  readonly pipeline: PipelineRuntime;
  /** Where sources (connectors) hand in events: the publish path, refusals dead-lettered. */
  readonly ingest: Ingest;
  private readonly upgradeRoutes: UpgradeRoute[] = [];
  private readonly requestRoutes: RequestRoute[] = [];
  private readonly shutdownHooks: Array<() => void> = [];
  private readonly health: HealthState = {
    draining: false,
    startedAt: Date.now(),
    storeReady: () => this.storage.ready,
    parts: [],
  };
  /** The configured connectors (`connectors[]`), started and stopped with the gateway. */
  readonly connectors: Connectors;
  /** Origin allow-list and per-IP connection rate, checked before any upgrade is taken. */
  readonly upgradeGuard: UpgradeGuard;
  /**
   * Features this gateway serves, as `GET /api/dashboard/info` lists them (the dashboard shows
   * a view per listed feature). A module that adds one calls `features.add(name)` when wired.
   */
  readonly features: Features;
  /** Outgoing webhooks (`webhooks.url`), when on. Private: its Redis types stay out of the published declarations. */
  private readonly webhooks: Webhooks | undefined;
  /** The per-node stats sample published to `dashboard.statsTopic`. */
  readonly stats: NodeStats;
  private server: Server | undefined;
  private requestHandler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  private started = false;
  private closing: Promise<void> | undefined;
  private ownServer = false;

  constructor(options: GatewayOptions = {}) {
    const config = resolveConfig(options.config ?? {});
    const log = options.logger ?? createLogger(config.log.level);
    const namespaces = new Namespaces([...config.namespaces, ...statsNamespaces(config)]);
    const metrics = new Metrics({ defaultMetrics: options.defaultMetrics !== false });
    this.storage = new Storage(config, namespaces, log, options.store);
    metrics.registry.registerMetric(this.storage.store.latency);
    const engine = createEngine(config, namespaces, {
      ...(options.broker !== undefined && { broker: options.broker }),
      ...(this.storage.durable !== undefined && { persistence: this.storage.durable, history: this.storage.store }),
    });
    // Every line says which node wrote it (a logger passed in is the application's own: left as is).
    if (options.logger === undefined) log.setBindings({ node: engine.cluster.nodeId });
    const broker = engine.broker;
    const redis = engine.redis;
    // State checkpoints where every node finds them (a node started later rebuilds from them):
    // Redis on the Redis engine, else the SQL store.
    this.state = new StateTopics({
      namespaces,
      store: this.storage.store,
      snapshotEvery: config.store.snapshotEvery,
      log,
      ...(redis !== undefined && { snapshots: new RedisSnapshotStore(redis.redis, redis.prefix) }),
    });
    if (redis !== undefined) {
      const redisLatency = redisCommandSeconds();
      metrics.registry.registerMetric(redisLatency);
      instrumentRedis(redis.redis, redisLatency);
    }
    const devLogin = config.dashboard.devLogin ? new DevLogin(config) : undefined;
    const configured = options.authenticator ?? authenticatorFromConfig(config.auth) ?? devLogin?.authenticator();
    const authenticator = configured ?? new NoTokens();
    const hub = new Hub();
    this.compute = new Compute(config, log, options.compute);
    let acl = options.acl ?? new NamespaceAcl(namespaces, config.auth);
    if (config.streams.enabled)
      acl = new StreamAcl(acl, config.streams.topicPrefix, this.compute.sessionOwner, config.auth);
    this.pipeline = new PipelineRuntime(config, namespaces, log, options.deadLetters);
    this.upgradeGuard = new UpgradeGuard(config, log);
    const hooks = new Hooks(config.hooks, config.auth.rolesClaim);
    hooks.register(metrics.registry);
    const sessions = new Sessions<Session>();
    const webhookMetrics = new WebhookMetrics();
    webhookMetrics.register(metrics.registry);
    if (config.webhooks.url !== "") {
      this.webhooks = new Webhooks(
        config.webhooks,
        { hub, sessions, redis, nodeId: engine.cluster.nodeId, deadLetters: this.pipeline.deadLetters, log },
        webhookMetrics,
      );
    }
    this.core = new GatewayCore({
      config,
      version: VERSION,
      namespaces,
      hub,
      engine,
      acl,
      authenticator,
      anonymous: ANONYMOUS,
      sessions,
      metrics,
      log,
      pipelines: this.pipeline.resolver,
      state: this.state,
      ...(hooks.any && { hooks }),
      ...(this.webhooks !== undefined && { lifecycle: this.webhooks.tracker }),
    });
    this.ingest = this.pipeline.ingest((request, context) => this.core.publish(request, context));
    broker.onEvent((event, json) => {
      const n =
        event.traceparent !== undefined && tracingOn()
          ? traceDelivery(event, () => hub.dispatch(event, json))
          : hub.dispatch(event, json);
      if (n > 0) {
        metrics.delivered.inc(n);
        metrics.latency.observe((Date.now() - event.timestamp) / 1000);
      }
    });
    // Every committed event, in seq order, after its delivery: state documents follow it.
    broker.onEvent((event) => this.state.apply(event));

    this.http = Fastify({
      loggerInstance: log as FastifyBaseLogger,
      logController: new LogController({ disableRequestLogging: true }),
      // Requests during a drain are refused by Herald (api/health.ts) with `{code, error}`.
      return503OnClosing: false,
      bodyLimit: config.limits.maxBodyBytes,
      // Unknown fields are refused (a typo like "evnt" must not vanish silently).
      ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
      serverFactory: (handler) => {
        this.requestHandler = handler;
        if (this.server === undefined) {
          this.server = createServer(httpServerOptions(config), (req, res) => {
            if (!this.routeRequest(req, res)) handler(req, res);
          });
          answerClientErrors(this.server, config);
          this.ownServer = true;
        }
        return this.server;
      },
    });
    registerOpenApi(this.http, VERSION);
    this.http.removeContentTypeParser("application/json");
    this.http.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
      try {
        done(null, parseJson(body as string, config.limits.maxJsonDepth));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
    registerHttpRateLimit(this.http, config);
    registerRequestObservers(this.http, this.core);
    registerCors(this.http, config);
    registerHeaderLimits(this.http, config);
    registerErrorHandling(this.http, this.core);
    // Admin user tokens pass too: the dashboard calls these routes as a user, never with the key.
    const guard = requireApiKeyOrAdmin(
      new ApiKeys(config.auth.apiKeys, config.auth.scopedApiKeys),
      this.core.authenticator,
      config.auth,
    );
    registerPublishRoutes(this.http, this.core, guard);
    registerTopicRoutes(this.http, this.core, guard);
    // Connectors dead-letter into the pipeline's store, so /api/dead-letters lists and replays them too.
    this.connectors = new Connectors(
      this.core,
      log,
      checkpointStoreFor(config.store, options.store !== undefined),
      this.pipeline.deadLetters,
    );
    registerIngestRoutes(this.http, this.connectors);
    this.health.parts.push({
      name: "connectors",
      ready: () => this.connectors.ready,
      detail: () => this.connectors.status(),
    });
    registerHealthRoutes(this.http, this.core, this.health, guard);
    this.inboxRetention = new InboxRetention(
      this.storage.store,
      { ...config.inbox, sweepMs: config.store.retentionSweepMs },
      log,
    );
    this.inbox = new Inbox(
      this.storage.store,
      (topic, event, data) => this.core.publish({ topic, event, data }, { origin: "inbox" }),
      log,
    );
    registerStateRoutes(this.http, this.core, guard, this.state);
    registerInboxRoutes(this.http, this.core, guard, this.inbox);
    const webhooks = this.webhooks;
    this.compute.attach(
      this.core,
      () => this.inbox,
      webhooks === undefined ? undefined : (fields) => webhooks.announce(fields),
    );
    registerComputeRoutes(this.http, this.core, guard, this.compute);
    registerPresenceRoutes(this.http, this.core, guard);
    registerUserRoutes(this.http, this.core, guard);
    this.features = new Features(["topics", "history", "inbox"]);
    if (namespaces.all.some((ns) => ns.presence)) this.features.add("presence");
    if (config.dashboard.statsTopic !== "") this.features.add("stats");
    // Views of the dashboard for the parts this gateway runs (dead letters exist on every gateway).
    this.features.add("pipeline");
    if (config.connectors.length > 0) this.features.add("connectors");
    if (config.compute.enabled) {
      this.features.add("aggregations");
      this.features.add("alerts");
    }
    if (config.streams.enabled) this.features.add("streams");
    registerDashboardRoutes(this.http, this.core, {
      features: this.features,
      tokens: configured !== undefined,
      devLogin,
    });
    if (devLogin !== undefined)
      log.warn("dashboard.devLogin is on: this machine can mint admin tokens (development only)");
    this.stats = new NodeStats(this.core);
    registerDeadLetterRoutes(this.http, this.core, this.pipeline.deadLetters, guard);
    registerPipelineRoutes(this.http, this.pipeline.counts, guard);
    this.core.metrics.registry.registerMetric(this.pipeline.counts.counter);
    registerPublisherKeyRoutes(this.http, this.pipeline.keys, guard);

    this.ws = new WsEndpoint(this.core, {
      path: config.server.wsPath,
      ...(config.server.compression && { compression: config.compression }),
    });
    this.upgradeRoutes.push((req, socket, head, url) => this.ws.handleUpgrade(req, socket, head, url));
    this.transports = installTransports(this.core, this);
  }

  get config(): HeraldConfig {
    return this.core.config;
  }

  get log(): Logger {
    return this.core.log;
  }

  /** Adds a WebSocket upgrade route (used by other transports). Call before `listen`/`attach`. */
  addUpgradeRoute(route: UpgradeRoute): void {
    this.upgradeRoutes.push(route);
  }

  /** Adds a plain HTTP route served before Fastify (used by other transports). */
  addRequestRoute(route: RequestRoute): void {
    this.requestRoutes.push(route);
  }

  /** Runs `hook` when shutdown begins (transports close their connections with 1001). */
  onShutdown(hook: () => void): void {
    this.shutdownHooks.push(hook);
  }

  private routeRequest(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.requestRoutes.length === 0) return false;
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      return false;
    }
    for (const route of this.requestRoutes) if (route(req, res, url)) return true;
    return false;
  }

  private onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      return;
    }
    if (this.health.draining) {
      socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n\r\n");
      return;
    }
    // Origin allow-list, per-IP connection rate. The native endpoint refuses an Origin with a
    // 4504 close a browser can read (server.originRefusal: close), others with a 403.
    const native = url.pathname === this.config.server.wsPath;
    const refusal = this.upgradeGuard.check(req, native && this.config.server.originRefusal === "close");
    if (refusal === ORIGIN_CLOSE)
      return void this.ws.refuse(req, socket, head, CloseCode.forbiddenOrigin, "origin not allowed");
    if (refusal !== undefined) return void socket.end(refusal);
    for (const route of this.upgradeRoutes) if (route(req, socket, head, url)) return;
    if (!this.ownServer) return; // the host application may serve other upgrade paths
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
  };

  private async start(server: Server | undefined): Promise<void> {
    if (this.started) throw new Error("the gateway was already started");
    this.started = true;
    if (server !== undefined) this.server = server;
    await this.core.engine.start(this.core, { disconnectUser: (user, reason) => this.disconnectUser(user, reason) });
    // State documents are rebuilt from their checkpoints once the broker runs.
    if (this.config.namespaces.some((ns) => ns.state)) await this.state.load(this.core.engine.broker);
    this.inboxRetention.start();
    await this.compute.start();
    await this.webhooks?.start();
    await registerDashboard(this.http, this.config, this.log);
    await this.pipeline.start();
    await this.http.ready();
    await this.connectors.start();
    await this.stats.start();
    (this.server as Server).on("upgrade", this.onUpgrade);
    this.health.startedAt = Date.now();
  }

  /** Starts a standalone server on `config.server` (or the given port/host). */
  async listen(options: { port?: number; host?: string } = {}): Promise<{ port: number; host: string; url: string }> {
    await this.start(undefined);
    const port = options.port ?? this.config.server.port;
    const host = options.host ?? this.config.server.host;
    await this.http.listen({ port, host });
    const addr = this.http.server.address();
    const bound = typeof addr === "object" && addr !== null ? addr.port : port;
    const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
    this.log.info({ port: bound, host, ws: this.config.server.wsPath }, "herald listening");
    return { port: bound, host, url: `http://${shown}:${bound}` };
  }

  /**
   * Attaches to an existing HTTP server, sharing its port: WebSocket upgrades on Herald's
   * paths are taken; mount `middleware()` in the host app for the HTTP API.
   */
  async attach(server: Server): Promise<void> {
    this.server = server;
    await this.start(server);
  }

  /** Connect/Express-style middleware serving Herald's HTTP routes (`/api/*`, `/healthz`, …). */
  middleware(prefixes: string[] = ["/api/", "/healthz", "/readyz", "/metrics"]) {
    return (req: IncomingMessage, res: ServerResponse, next?: () => void): void => {
      const path = req.url ?? "/";
      if (this.routeRequest(req, res)) return;
      if (this.requestHandler !== undefined && prefixes.some((p) => path.startsWith(p))) {
        this.requestHandler(req, res);
      } else if (next) next();
      else {
        res.statusCode = 404;
        res.end();
      }
    };
  }

  /** Publishes an event from code in this process (trusted: no ACL). */
  publish(topic: string, data: unknown, options: { event?: string; id?: string } = {}): Promise<PublishOutcome> {
    return this.core.publish({ topic, data, ...options }, { origin: "server" });
  }

  /** Sends an event to every connection of one user, on every node (their personal topic). */
  sendToUser(user: string, event: string, data: unknown, options: { id?: string } = {}): Promise<PublishOutcome> {
    return this.publish(personalTopic(user), data, { event, ...options });
  }

  /** Sends an event to every connection on every node. */
  broadcast(event: string, data: unknown, options: { id?: string } = {}): Promise<PublishOutcome> {
    return this.publish(BROADCAST_TOPIC, data, { event, ...options });
  }

  /** Closes every connection of `user` on this node with a terminal code. Returns how many. */
  disconnectUser(user: string, reason = "disconnected by the server"): number {
    const sessions = this.core.sessions.ofUser(user);
    for (const s of sessions) s.close(CloseCode.disconnected, reason);
    return sessions.length;
  }

  /** Subscribes in-process code to committed events (all topics). */
  onEvent(listener: (event: HeraldEvent) => void): void {
    this.core.engine.broker.onEvent((event) => listener(event));
  }

  /**
   * Graceful shutdown: stop accepting, tell every client to reconnect elsewhere (1001), wait
   * up to `timeouts.shutdownMs` for them to go, then close the rest and the broker.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.health.draining = true;
    this.stats.stop();
    this.server?.off("upgrade", this.onUpgrade);
    this.ws.closeAll(CloseCode.goingAway, "server shutting down");
    for (const hook of this.shutdownHooks) hook();
    const deadline = Date.now() + this.config.timeouts.shutdownMs;
    while (this.ws.connections > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.ws.terminateAll();
    if (this.started) await this.http.close();
    await this.connectors.stop(); // pending offers finish while the broker still runs
    await this.compute.close(); // checkpoints windows; publishes nothing after the broker closes
    await this.webhooks?.close(); // the connections' last changes are sent while Redis is still there
    await this.core.engine.close();
    await this.state.close(); // checkpoints state documents before the store closes
    await this.inboxRetention.close();
    await this.storage.close();
    await this.pipeline.close();
    this.log.info("herald stopped");
  }
}

/** Creates a gateway (not yet listening). */
export function createGateway(options: GatewayOptions = {}): Gateway {
  return new Gateway(options);
}
