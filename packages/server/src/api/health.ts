/**
 * `/healthz` (process alive), `/readyz` (broker and store answer, not draining), `/metrics`,
 * `/api/info`; and the refusal of new requests during a drain.
 */
import { HeraldError } from "@herald/protocol";
import type { FastifyInstance } from "fastify";
import type { GatewayCore } from "../core.js";
import type { Guard } from "./auth.js";

export interface HealthState {
  draining: boolean;
  startedAt: number;
  /** Whether the store can commit (true when nothing needs a store). @default () => true */
  storeReady?: () => boolean;
  /** Other parts that decide readiness and show in `/readyz` and `/api/info` under their name (connectors). */
  parts: Array<{ name: string; ready: () => boolean; detail: () => unknown }>;
}

/** Routes that still answer while the node drains: probes must tell the truth until the end. */
const DURING_DRAIN = new Set(["/healthz", "/readyz", "/metrics"]);

export function registerHealthRoutes(app: FastifyInstance, core: GatewayCore, state: HealthState, guard: Guard): void {
  // A draining node takes no new work: 503 `shutting_down` in the documented error body, so a
  // client retries on another node (Fastify's own closing answer has no `code`).
  app.addHook("onRequest", async (req, reply) => {
    if (!state.draining || DURING_DRAIN.has(req.url.split("?")[0] ?? "")) return;
    reply.header("retry-after", "1");
    reply.header("connection", "close");
    throw new HeraldError("shutting_down", "the server is shutting down; retry on another node");
  });
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_req, reply) => {
    const broker = core.engine.broker.ready;
    const store = state.storeReady?.() ?? true;
    const ready = broker && store && !state.draining && state.parts.every((p) => p.ready());
    reply.status(ready ? 200 : 503);
    const body: Record<string, unknown> = {
      status: ready ? "ready" : "unavailable",
      broker,
      store,
      draining: state.draining,
    };
    for (const part of state.parts) body[part.name] = part.detail();
    return body;
  });
  const metricsOptions = core.config.metricsAccess.requireApiKey ? { preHandler: guard } : {};
  app.get("/metrics", metricsOptions, async (_req, reply) => {
    reply.header("content-type", core.metrics.registry.contentType);
    return core.metrics.registry.metrics();
  });
  app.get("/api/info", { preHandler: guard }, async () => ({
    name: "herald",
    version: core.version,
    uptime: Math.round((Date.now() - state.startedAt) / 1000),
    connections: core.sessions.size,
    users: core.sessions.users,
    subscriptions: core.hub.subscriptions,
    topics: await core.engine.broker.topicCount(),
    engine: core.config.engine.type,
    node: core.engine.cluster.nodeId,
    // Every live node's own counts (connections per node), as reported through the engine.
    nodes: await core.engine.nodes(),
    ...Object.fromEntries(state.parts.map((p) => [p.name, p.detail()])),
  }));
}
