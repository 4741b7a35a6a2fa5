/**
 * HTTP-level limits: server timeouts against slow clients (slowloris, including upgrade
 * requests that never finish their headers) and a per-IP request rate on the HTTP API.
 */
import type { ServerOptions } from "node:http";
import rateLimit from "@fastify/rate-limit";
import { HeraldError } from "@herald/protocol";
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

/** Paths never rate-limited: probes must answer even under a flood. */
const EXEMPT = new Set(["/healthz", "/readyz"]);

/** Distinct client addresses tracked at once (LRU: a spoofed-source flood cannot grow memory). */
const TRACKED_CLIENTS = 10_000;

/**
 * Limits every HTTP route (and unknown paths, so 404 probing is limited too) to
 * `limits.httpRequestsPerSecond` per client IP with `@fastify/rate-limit` (fixed one-second
 * window, IPv6 clients grouped by /64). Excess gets 429, `{code: "rate_limited", error}` and
 * `Retry-After`; 0 disables it. Runs in `onRequest`, before body parsing and authentication.
 *
 * Why a global `onRequest` hook instead of the plugin's `global: true`: global mode attaches
 * through `onRoute`, so it only sees routes declared after the plugin has loaded, and the
 * gateway declares its routes synchronously in its constructor (before any `await`). Fastify
 * binds root hooks to every route at `ready`, so a root hook covers routes declared before and
 * after it, including those other modules add.
 */
export function registerHttpRateLimit(app: FastifyInstance, config: Pick<HeraldConfig, "limits">): void {
  const max = config.limits.httpRequestsPerSecond;
  if (max === 0) return;
  app.register(rateLimit, {
    global: false,
    max,
    timeWindow: 1000,
    cache: TRACKED_CLIENTS,
    allowList: (req) => EXEMPT.has(req.url.split("?")[0] ?? ""),
    // Only the refusal carries headers: a limit's remaining count is not worth 3 headers a response.
    addHeadersOnExceeding: {
      "x-ratelimit-limit": false,
      "x-ratelimit-remaining": false,
      "x-ratelimit-reset": false,
    },
    addHeaders: {
      "x-ratelimit-limit": true,
      "x-ratelimit-remaining": true,
      "x-ratelimit-reset": true,
      "retry-after": true,
    },
    // Thrown from the hook and mapped by the API's error handler to 429 {code, error}.
    errorResponseBuilder: (_req, ctx) =>
      new HeraldError("rate_limited", `more than ${max} requests per second; retry in ${ctx.after}`),
  });
  app.after(() => {
    app.addHook("onRequest", app.rateLimit());
  });
}
