/**
 * Guards of the server routes: an API key (`Authorization: Bearer <key>` or `X-API-Key: <key>`),
 * or — for the operator dashboard, which must never hold the API key — the token of an admin
 * user (`auth.adminRole`) as `Authorization: Bearer <jwt>`.
 */
import { HeraldError } from "@herald/protocol";
import type { FastifyRequest } from "fastify";
import { isAdmin, type RoleOptions } from "../auth/acl-rules.js";
import type { ApiKeys } from "../auth/api-key.js";
import { enforceScope } from "../auth/api-scope.js";
import type { Authenticator } from "../auth/authenticator.js";

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

/** A JWT has three dot-separated base64url parts; an API key is anything else. */
const looksLikeJwt = (s: string) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(s);

/**
 * A preHandler that admits a valid API key (scoped keys within their scope) or the bearer token
 * of an admin user, with the access of an unscoped key. A token of another user is `forbidden`
 * (403); anything else `unauthorized` (401). Open when no key is configured, as `requireApiKey`.
 */
export function requireApiKeyOrAdmin(keys: ApiKeys, authenticator: Authenticator, roles: RoleOptions): Guard {
  const byKey = requireApiKey(keys);
  return async (req: FastifyRequest): Promise<void> => {
    const presented = apiKeyOf(req);
    if (keys.open || presented === undefined || !looksLikeJwt(presented) || keys.grant(presented) !== undefined) {
      return byKey(req);
    }
    let who: Awaited<ReturnType<Authenticator["authenticate"]>>;
    try {
      who = await authenticator.authenticate(presented);
    } catch {
      throw new HeraldError("unauthorized", "a valid API key or an admin token is required");
    }
    if (!isAdmin(who, roles)) throw new HeraldError("forbidden", "this route needs an API key or an admin token");
  };
}
