/**
 * CORS for the HTTP API (@fastify/cors), from the same allow-list as WebSocket upgrades
 * (`server.allowedOrigins`), so a page on an allowed origin can also call `/api/me/*` (the
 * inbox of `useInbox`) and publish. With the default `[]` (same origin only) no CORS headers are
 * sent and browsers keep other origins out. Tokens travel in the `Authorization` header, never
 * in cookies, so credentials are not allowed.
 */
import cors from "@fastify/cors";
import type { FastifyInstance } from "fastify";
import type { HeraldConfig } from "../config-types.js";
import { OriginPolicy } from "../limits/origin.js";

/** Headers a browser may send cross-origin. */
export const CORS_HEADERS = [
  "content-type",
  "authorization",
  "x-api-key",
  "traceparent",
  "tracestate",
  "last-event-id",
];

/** Seconds a browser may cache a preflight answer. @default 600 */
export const CORS_MAX_AGE = 600;

export function registerCors(app: FastifyInstance, config: Pick<HeraldConfig, "server">): void {
  if (config.server.allowedOrigins.length === 0) return;
  const policy = new OriginPolicy(config.server.allowedOrigins);
  app.register(cors, {
    // `host` undefined: only listed origins get CORS headers (same-origin requests need none).
    origin: (origin, cb) => cb(null, origin !== undefined && policy.allows(origin, undefined)),
    methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    allowedHeaders: CORS_HEADERS,
    exposedHeaders: ["retry-after"],
    maxAge: CORS_MAX_AGE,
    credentials: false,
  });
}
