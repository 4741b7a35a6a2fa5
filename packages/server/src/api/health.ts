/** `/healthz` (process alive), `/readyz` (broker ready, not draining), `/metrics`, `/api/info`. */
import type { FastifyInstance } from "fastify";
import type { GatewayCore } from "../core.js";
import type { Guard } from "./auth.js";

export interface HealthState {
  draining: boolean;
  startedAt: number;
  /** Other parts that decide readiness and show in `/readyz` and `/api/info` under their name (connectors). */
  parts: Array<{ name: string; ready: () => boolean; detail: () => unknown }>;
}

export function registerHealthRoutes(app: FastifyInstance, core: GatewayCore, state: HealthState, guard: Guard): void {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_req, reply) => {
    const ready = core.broker.ready && !state.draining && state.parts.every((p) => p.ready());
    reply.status(ready ? 200 : 503);
    const body: Record<string, unknown> = {
      status: ready ? "ready" : "unavailable",
      broker: core.broker.ready,
      draining: state.draining,
    };
    for (const part of state.parts) body[part.name] = part.detail();
    return body;
  });
  app.get("/metrics", async (_req, reply) => {
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
    topics: await core.broker.topicCount(),
    engine: core.config.engine.type,
    node: core.engine.cluster.nodeId,
    // Every live node's own counts (connections per node), as reported through the engine.
    nodes: await core.engine.nodes(),
    ...Object.fromEntries(state.parts.map((p) => [p.name, p.detail()])),
  }));
}
