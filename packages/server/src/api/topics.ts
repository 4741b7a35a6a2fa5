/** `GET /api/topics/:topic/history`. */
import { HeraldError } from "@herald/protocol";
import type { FastifyInstance } from "fastify";
import type { GatewayCore } from "../core.js";
import type { Guard } from "./auth.js";

export function registerTopicRoutes(app: FastifyInstance, core: GatewayCore, guard: Guard): void {
  app.get<{ Params: { topic: string }; Querystring: { since?: string; limit?: string } }>(
    "/api/topics/:topic/history",
    { preHandler: guard },
    async (req) => {
      const { topic } = req.params;
      core.checkTopic(topic);
      const q: { since?: number; limit: number } = { limit: core.config.limits.maxHistoryLimit };
      if (req.query.since !== undefined) {
        if (!/^\d+$/.test(req.query.since))
          throw new HeraldError("invalid_position", '"since" must be a non-negative integer');
        q.since = Number(req.query.since);
      }
      if (req.query.limit !== undefined) {
        if (!/^[1-9]\d*$/.test(req.query.limit))
          throw new HeraldError("bad_request", '"limit" must be a positive integer');
        q.limit = Math.min(Number(req.query.limit), q.limit);
      }
      const page = await core.engine.broker.history(topic, q);
      return {
        topic,
        epoch: page.position.epoch,
        seq: page.position.seq,
        truncated: page.truncated,
        events: page.events,
      };
    },
  );
}
