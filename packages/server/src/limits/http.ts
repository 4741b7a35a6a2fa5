/**
 * HTTP-level limits: server timeouts against slow clients (slowloris, including upgrade
 * requests that never finish their headers) and a per-IP request rate on the HTTP API.
 */
import type { ServerOptions } from "node:http";
import type { FastifyInstance } from "fastify";
import type { HeraldConfig } from "../config.js";
import { ConnectionRate } from "./connection-rate.js";

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

/** Paths never rate-limited: probes must answer even under a flood. */
const EXEMPT = new Set(["/healthz", "/readyz"]);

/**
 * Limits every HTTP route to `limits.httpRequestsPerSecond` per client IP (a token bucket per
 * address, bounded like the connection rate). Excess gets 429, `{code: "rate_limited"}` and
 * `Retry-After`. An `onRequest` hook, so it runs before body parsing and authentication.
 * (`@fastify/rate-limit` was tried first: its global mode attaches through `onRoute` and
 * missed routes declared before the plugin finished loading.)
 */
export function registerHttpRateLimit(app: FastifyInstance, config: Pick<HeraldConfig, "limits">): void {
  const max = config.limits.httpRequestsPerSecond;
  if (max === 0) return;
  const rate = new ConnectionRate(max, max);
  app.addHook("onRequest", async (req, reply) => {
    if (EXEMPT.has(req.url)) return;
    const ip = req.ip ?? req.socket.remoteAddress ?? "unknown";
    if (rate.admit(ip)) return;
    const after = rate.retryAfterSeconds(ip);
    reply.header("retry-after", String(after));
    reply
      .status(429)
      .send({ code: "rate_limited", error: `more than ${max} requests per second; retry in ${after} s` });
    return reply;
  });
}
