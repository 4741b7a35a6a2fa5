/** API-key check for server routes: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
import { HeraldError } from "@herald/protocol";
import type { FastifyRequest } from "fastify";
import type { ApiKeys } from "../auth/api-key.js";
import { enforceScope } from "../auth/api-scope.js";

export function apiKeyOf(req: FastifyRequest): string | undefined {
  const header = req.headers["x-api-key"];
  if (typeof header === "string") return header;
  const auth = req.headers.authorization;
  if (typeof auth === "string" && auth.toLowerCase().startsWith("bearer ")) return auth.slice(7).trim();
  return undefined;
}

/** A route guard (Fastify preHandler). */
export type Guard = (req: FastifyRequest) => Promise<void>;

/** A preHandler that rejects requests without a valid API key (open when none is configured). */
export function requireApiKey(keys: ApiKeys): Guard {
  return async (req: FastifyRequest): Promise<void> => {
    if (keys.open) return;
    const grant = keys.grant(apiKeyOf(req));
    if (grant === undefined) throw new HeraldError("unauthorized", "a valid API key is required");
    enforceScope(grant, req); // scoped keys: only topic routes, only their prefixes
  };
}
