/**
 * HTTP-level limits: server timeouts against slow clients (slowloris, including upgrade
 * requests that never finish their headers) and a per-IP request rate on the HTTP API.
 */
import type { ServerOptions } from "node:http";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import type { HeraldConfig } from "../config.js";

/** Options for `http.createServer`: header and request deadlines, checked often enough to matter. */
export function httpServerOptions(config: Pick<HeraldConfig, "timeouts">): ServerOptions {
  const { httpHeadersMs, httpRequestMs } = config.timeouts;
  return {
    headersTimeout: httpHeadersMs,
    // Node requires requestTimeout >= headersTimeout unless it is 0 (disabled).
    requestTimeout: httpRequestMs === 0 ? 0 : Math.max(httpRequestMs, httpHeadersMs),
    // Node checks the deadlines on this interval (30 s by default): keep it below the headers deadline.
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(httpHeadersMs / 4))),
  };
}

/**
 * Registers `@fastify/rate-limit` on every route: `limits.httpRequestsPerSecond` per client IP,
 * answered with 429, `code: "rate_limited"` and `Retry-After`. Call before routes are added.
 */
export function registerHttpRateLimit(app: FastifyInstance, config: Pick<HeraldConfig, "limits">): void {
  const max = config.limits.httpRequestsPerSecond;
  if (max === 0) return;
  app.register(rateLimit, {
    global: true,
    max,
    timeWindow: 1000,
    // Health probes must answer even under a flood.
    allowList: (req) => req.url === "/healthz" || req.url === "/readyz",
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      code: "rate_limited",
      error: `more than ${ctx.max} requests per second; retry in ${ctx.after}`,
      message: `more than ${ctx.max} requests per second; retry in ${ctx.after}`,
    }),
  });
}
