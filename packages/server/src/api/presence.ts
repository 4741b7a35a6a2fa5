/** `GET /api/topics/:topic/presence`: who is on a topic, across every node. */
import { HeraldError } from "@herald/protocol";
import type { FastifyInstance } from "fastify";
import type { GatewayCore } from "../core.js";
import { checkPresenceEnabled } from "../hub/presence-check.js";
import type { Guard } from "./auth.js";

export { checkPresenceEnabled } from "../hub/presence-check.js";

export function registerPresenceRoutes(app: FastifyInstance, core: GatewayCore, guard: Guard): void {
  app.get<{ Params: { topic: string }; Querystring: { members?: string } }>(
    "/api/topics/:topic/presence",
    { preHandler: guard },
    async (req) => {
      const { topic } = req.params;
      core.checkTopic(topic);
      checkPresenceEnabled(core, topic);
      const { members } = req.query;
      if (members !== undefined && members !== "true" && members !== "false") {
        throw new HeraldError("bad_request", '"members" must be true or false');
      }
      // `?members=false` asks for the count alone, which never reads the member list.
      const list =
        members === "false" ? await core.engine.presence.count(topic) : await core.engine.presence.list(topic);
      return list.members === undefined
        ? { topic, count: list.count }
        : { topic, count: list.count, members: list.members };
    },
  );
}
