/**
 * Client options: defaults spread once, checked at construction with a precise message, frozen.
 * Every default is written in the doc comment and in docs/client.md.
 */
import { type BackoffOptions, checkBackoff, DEFAULT_BACKOFF } from "./backoff.js";
import { HeraldClientError } from "./errors.js";
import { httpUrlOf } from "./inbox.js";
import { DEFAULT_PUBLISH_RETRY, type PublishRetryOptions } from "./publisher.js";

/** Why the client asks for a token. */
export type TokenReason = "connect" | "refresh";

/**
 * Returns a (fresh) user token. Called before every connection attempt and when the server
 * asks for a refresh before the current token expires.
 */
export type TokenProvider = (context: { reason: TokenReason }) => string | Promise<string>;

/**
 * The part of the WebSocket API the client uses. The browser's `WebSocket`, Node 22's global
 * one and the `ws` package's `WebSocket` all fit.
 */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor. Typed loosely so `ws` and the DOM class both fit without casts. */
export type WebSocketConstructor = new (url: string) => object;

export interface ClientOptions {
  /** The gateway's WebSocket URL, e.g. `wss://herald.example.com/ws`. */
  url: string;
  /** A user token, or a callback returning one. Absent: connect anonymously. */
  token?: string | TokenProvider;
  /**
   * WebSocket implementation. @default globalThis.WebSocket (browsers, Node 22+); in Node 20
   * pass `WebSocket` from `ws`, or use `@herald/client/node`.
   */
  WebSocket?: WebSocketConstructor;
  /** Reconnect delays (exponential backoff, full jitter). @default {minMs: 250, maxMs: 30000, factor: 2} */
  backoff?: Partial<BackoffOptions>;
  /** Interval of client `ping` frames while connected; 0 disables. @default 20000 */
  pingIntervalMs?: number;
  /** Close and reconnect when no `pong` arrives within this time after a `ping`. @default 10000 */
  pongTimeoutMs?: number;
  /**
   * Time allowed from opening a socket to being connected (WebSocket handshake, `auth`,
   * `welcome`); a server that accepts TCP but never answers is left and retried. Keep it above
   * the server's `timeouts.authMs` (10000), so a refusal for a missing token (close 4501)
   * reaches the application instead of a retry. @default 15000
   */
  connectTimeoutMs?: number;
  /** Time allowed for the server to answer a request (publish, history, subscribe, refresh). @default 10000 */
  requestTimeoutMs?: number;
  /**
   * Publishes held while disconnected. When full, a new `publish` is rejected at once with
   * `queue_full`; publishes already queued are never dropped. @default 1000
   */
  maxQueuedPublishes?: number;
  /** Topics a pattern subscription remembers positions for (duplicate detection). @default 10000 */
  maxTrackedTopics?: number;
  /**
   * Retrying publishes the server refused for rate (`rate_limited`): after a backoff with equal
   * jitter (attempt n waits between half and all of min(maxMs, minMs·factorⁿ)) the queue is sent
   * one publish at a time until it is empty; a publish refused `attempts` more times is rejected
   * with `rate_limited`. @default {attempts: 5, minMs: 200, maxMs: 5000, factor: 2}
   */
  publishRetry?: Partial<PublishRetryOptions>;
  /** Random source in [0, 1) for backoff jitter (tests). @default Math.random */
  random?: () => number;
  /**
   * Base URL of the HTTP API (the inbox helper). @default `url` with `ws`→`http`, `wss`→`https`
   * and its last path segment removed (`wss://h/ws` → `https://h`)
   */
  httpUrl?: string;
  /** `fetch` implementation for HTTP calls. @default globalThis.fetch */
  fetch?: typeof fetch;
}

export interface ResolvedOptions {
  url: string;
  token: string | TokenProvider | undefined;
  WebSocket: new (url: string) => WebSocketLike;
  backoff: BackoffOptions;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxQueuedPublishes: number;
  maxTrackedTopics: number;
  publishRetry: PublishRetryOptions;
  random: () => number;
  httpUrl: string;
  fetch: typeof fetch;
}

function nonNegative(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} must be a number >= 0, got ${value}`);
  return value;
}

export function resolveOptions(options: ClientOptions): Readonly<ResolvedOptions> {
  if (typeof options.url !== "string" || !/^wss?:\/\//.test(options.url)) {
    throw new TypeError(`url must be a ws:// or wss:// URL, got ${JSON.stringify(options.url)}`);
  }
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (Ctor === undefined) {
    throw new HeraldClientError(
      "no_websocket",
      "no global WebSocket: pass the WebSocket option (e.g. `import { WebSocket } from 'ws'`) or use @herald/client/node",
    );
  }
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  checkBackoff(backoff);
  const publishRetry = { ...DEFAULT_PUBLISH_RETRY, ...options.publishRetry };
  checkBackoff(publishRetry, "publishRetry");
  if (!(Number.isSafeInteger(publishRetry.attempts) && publishRetry.attempts >= 0)) {
    throw new RangeError(`publishRetry.attempts must be an integer >= 0, got ${publishRetry.attempts}`);
  }
  const resolved: ResolvedOptions = {
    url: options.url,
    token: options.token,
    WebSocket: Ctor as new (url: string) => WebSocketLike,
    backoff,
    pingIntervalMs: nonNegative("pingIntervalMs", options.pingIntervalMs ?? 20_000),
    pongTimeoutMs: nonNegative("pongTimeoutMs", options.pongTimeoutMs ?? 10_000),
    connectTimeoutMs: nonNegative("connectTimeoutMs", options.connectTimeoutMs ?? 15_000),
    requestTimeoutMs: nonNegative("requestTimeoutMs", options.requestTimeoutMs ?? 10_000),
    maxQueuedPublishes: nonNegative("maxQueuedPublishes", options.maxQueuedPublishes ?? 1000),
    maxTrackedTopics: nonNegative("maxTrackedTopics", options.maxTrackedTopics ?? 10_000),
    publishRetry,
    random: options.random ?? Math.random,
    httpUrl: (options.httpUrl ?? httpUrlOf(options.url)).replace(/\/$/, ""),
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
  };
  if (!/^https?:\/\//.test(resolved.httpUrl)) {
    throw new TypeError(`httpUrl must be an http:// or https:// URL, got ${JSON.stringify(resolved.httpUrl)}`);
  }
  if (typeof resolved.token === "string" && resolved.token.length === 0) throw new TypeError("token must not be empty");
  return Object.freeze(resolved);
}
