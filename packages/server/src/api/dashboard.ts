/**
 * `GET /api/dashboard/info`: what the dashboard needs before it connects, without the API
 * key (which never reaches a browser): the WebSocket path, the features this gateway serves
 * (a view is shown only for a listed feature), the stats topic, whether anonymous access and
 * tokens are accepted, and — with `Authorization: Bearer <user token>` — who the token is,
 * whether it is an admin, and the namespaces it may subscribe to. An invalid token answers
 * 401 `unauthorized`, so the login form can say so.
 *
 * `POST /api/dashboard/dev-token` (only with `dashboard.devLogin`, only from loopback): a
 * one-hour admin token for development.
 */
import { HeraldError } from "@herald/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { isAdmin } from "../auth/acl-rules.js";
import type { Principal } from "../auth/principal.js";
import type { GatewayCore } from "../core.js";
import { type DevLogin, isLoopback } from "../dashboard/dev-login.js";
import type { Features } from "../features.js";

const nullableNumber = { type: ["number", "null"] } as const;

const infoResponse = {
  type: "object",
  required: ["name", "version", "node", "wsPath", "features", "statsTopic", "auth", "user", "namespaces"],
  properties: {
    name: { type: "string" },
    version: { type: "string" },
    node: { type: "string" },
    wsPath: { type: "string" },
    features: { type: "array", items: { type: "string" } },
    streamsPrefix: { type: ["string", "null"] },
    statsTopic: { type: "string" },
    statsIntervalMs: nullableNumber,
    auth: {
      type: "object",
      required: ["anonymous", "tokens"],
      properties: { anonymous: { type: "boolean" }, tokens: { type: "boolean" }, devLogin: { type: "boolean" } },
    },
    user: {
      anyOf: [
        { type: "null" },
        {
          type: "object",
          required: ["id", "admin"],
          properties: { id: { type: "string" }, admin: { type: "boolean" }, expiresAt: nullableNumber },
        },
      ],
    },
    namespaces: {
      type: "array",
      items: {
        type: "object",
        required: ["prefix", "history", "durable", "presence", "state"],
        properties: {
          prefix: { type: "string" },
          history: { type: "integer" },
          durable: { type: "boolean" },
          presence: { type: "boolean" },
          state: { type: "boolean" },
        },
      },
    },
  },
} as const;

/** The principal of the request's bearer token; anonymous without one. Throws on a bad token. */
async function principalOf(core: GatewayCore, req: FastifyRequest): Promise<Principal> {
  const auth = req.headers.authorization;
  if (typeof auth !== "string" || auth.trim() === "") return core.anonymous;
  if (!auth.toLowerCase().startsWith("bearer ")) {
    throw new HeraldError("unauthorized", "send the user token as Authorization: Bearer <token>");
  }
  return core.authenticator.authenticate(auth.slice(7).trim());
}

export interface DashboardInfoOptions {
  /** Listed features (read on every request: features added later appear). */
  features: Features;
  /** Whether user tokens can be verified at all (a key or JWKS is configured). */
  tokens: boolean;
  /** Development sign-in (`dashboard.devLogin`), when on. */
  devLogin?: DevLogin | undefined;
}

const devTokenResponse = {
  type: "object",
  required: ["token", "user", "expiresAt"],
  properties: { token: { type: "string" }, user: { type: "string" }, expiresAt: { type: "number" } },
} as const;

export function registerDashboardRoutes(app: FastifyInstance, core: GatewayCore, options: DashboardInfoOptions): void {
  app.get("/api/dashboard/info", { schema: { response: { 200: infoResponse } } }, async (req) => {
    const who = await principalOf(core, req);
    const { config } = core;
    const admin = !who.anonymous && isAdmin(who, config.auth);
    // A namespace is listed when this principal may subscribe to something in it.
    const namespaces = core.namespaces.all
      .filter((ns) => core.acl.canSubscribe(who, ns.prefix === "" ? ">" : `${ns.prefix}.>`))
      .map((ns) => ({
        prefix: ns.prefix,
        history: ns.history.size,
        durable: ns.durable,
        presence: ns.presence,
        state: ns.state === true,
      }));
    return {
      name: "herald",
      version: core.version,
      node: core.engine.cluster.nodeId,
      wsPath: config.server.wsPath,
      features: options.features.list(),
      streamsPrefix: config.streams.enabled ? config.streams.prefix : null,
      statsTopic: admin ? config.dashboard.statsTopic : "",
      statsIntervalMs: admin ? config.dashboard.statsIntervalMs : null,
      auth: {
        anonymous: config.auth.anonymous,
        tokens: options.tokens,
        devLogin: options.devLogin !== undefined && isLoopback(req.socket.remoteAddress),
      },
      user: who.anonymous ? null : { id: who.user, admin, expiresAt: who.expiresAt ?? null },
      namespaces,
    };
  });

  const dev = options.devLogin;
  if (dev === undefined) return;
  app.post("/api/dashboard/dev-token", { schema: { response: { 200: devTokenResponse } } }, async (req) => {
    if (!isLoopback(req.socket.remoteAddress)) {
      throw new HeraldError("forbidden", "development tokens are given only to this machine (loopback)");
    }
    return dev.mint();
  });
}
