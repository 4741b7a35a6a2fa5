/** `POST /api/users/:user/disconnect`: closes every connection of a user, on every node. */
import { HeraldError } from "@herald/protocol";
import type { FastifyInstance } from "fastify";
import type { GatewayCore } from "../core.js";
import type { Guard } from "./auth.js";

export function registerUserRoutes(app: FastifyInstance, core: GatewayCore, guard: Guard): void {
  app.post<{ Params: { user: string }; Body: { reason?: string } | undefined }>(
    "/api/users/:user/disconnect",
    {
      preHandler: guard,
      schema: {
        body: {
          type: ["object", "null"],
          additionalProperties: false,
          properties: { reason: { type: "string", maxLength: 256 } },
        },
      },
    },
    async (req) => {
      const { user } = req.params;
      if (user.length === 0 || user.length > 256) throw new HeraldError("bad_request", "a user id is required");
      const reason = req.body?.reason ?? "disconnected by the server";
      // Every node (this one included) applies it to its own connections of the user.
      const nodes = await core.engine.cluster.send({ type: "disconnect_user", user, reason });
      return { user, nodes };
    },
  );
}
