/**
 * HTTP-level limits: server timeouts against slow clients (slowloris, including upgrade
 * requests that never finish their headers) and a per-IP request rate on the HTTP API.
 */
import type { IncomingMessage, Server, ServerOptions } from "node:http";
import type { Duplex } from "node:stream";
import rateLimit from "@fastify/rate-limit";
import { HeraldError } from "@herald/protocol";
import type { FastifyInstance } from "fastify";
import type { HeraldConfig } from "../config-types.js";

/** Options for `http.createServer`: header and request deadlines, checked often enough to matter; header size. */
export function httpServerOptions(config: Pick<HeraldConfig, "timeouts" | "headers">): ServerOptions {
  const { httpHeadersMs, httpRequestMs } = config.timeouts;
  return {
    // Room for a long SSE Last-Event-ID: one over `headers.maxLastEventIdBytes` gets a Herald 400.
    maxHeaderSize: config.headers.maxBytes,
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

/** The raw HTTP answer `431 headers_too_large` (before any route: the request was not parsed or is refused unread). */
export function headersTooLarge(detail: string): string {
  const body = JSON.stringify({ code: "headers_too_large", error: detail });
  return (
    "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Type: application/json\r\n" +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/** Whether `req` has more header lines than `headers.maxCount`. */
export function tooManyHeaders(req: IncomingMessage, config: Pick<HeraldConfig, "headers">): boolean {
  return req.rawHeaders.length / 2 > config.headers.maxCount;
}

/**
 * Answers requests Node's parser refused as Node would (408 for a header/request deadline, 400
 * for a malformed request), except that headers over `headers.maxBytes` get 431 with the
 * documented body `{code: "headers_too_large", error}` instead of Node's bodiless 431.
 */
export function answerClientErrors(server: Server, config: Pick<HeraldConfig, "headers">): void {
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    const started = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
    if (!socket.writable || started === true || err.code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    if (err.code === "HPE_HEADER_OVERFLOW") {
      socket.end(headersTooLarge(`request headers are larger than ${config.headers.maxBytes} bytes`));
    } else if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") {
      socket.end("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
    } else {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    }
  });
}

/** Refuses HTTP API requests with more header lines than `headers.maxCount` (431 `headers_too_large`). */
export function registerHeaderLimits(app: FastifyInstance, config: Pick<HeraldConfig, "headers">): void {
  app.addHook("onRequest", async (req) => {
    if (tooManyHeaders(req.raw, config)) {
      throw new HeraldError("headers_too_large", `more than ${config.headers.maxCount} header lines`);
    }
  });
}
