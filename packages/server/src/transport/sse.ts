/**
 * Server-Sent Events at `/sse?topic=a&topic=b.>` (repeated or comma-separated `topic`).
 *
 * One response is one `Session`, subscribed at connect time to the requested topics and
 * patterns plus the implicit `broadcast` and personal topics. Every event carries an `id:`
 * (see `sse-cursor.ts`) that encodes the connection's position in all of those subscriptions,
 * so a browser `EventSource` that reconnects with `Last-Event-ID` receives exactly what it
 * missed. A malformed or foreign `Last-Event-ID` is answered 400 `invalid_position`; a stale
 * one (history lost or trimmed) an explicit `reset` event per subscription, never a partial
 * history. Heartbeats are comment lines. See docs/transports.md.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import {
  BROADCAST_TOPIC,
  type ClientFrame,
  CloseCode,
  compileFilter,
  type ErrorCode,
  ErrorCodes,
  type Filter,
  HeraldError,
  type HeraldEvent,
  isPattern,
  parseRate,
  patternProblem,
  personalTopic,
  type ServerFrame,
  type SubscribeAck,
  type SubscribeFrame,
  type SubscriptionRate,
  topicMatches,
} from "@herald/protocol";
import type { Principal } from "../auth/principal.js";
import type { GatewayCore } from "../core.js";
import type { ConnectRequest } from "../hooks/hooks.js";
import type { OutboundEvent } from "../hub/outbound.js";
import { type Session, toHeraldError } from "../session.js";
import { type Answer, answerFrame } from "./answer.js";
import { Corker } from "./coalesce.js";
import { EndpointSessions } from "./endpoint-sessions.js";
import { type CursorPosition, decodeCursor, encodeCursor, fingerprint } from "./sse-cursor.js";
import type { Transport } from "./transport.js";
import { upgradeToken } from "./ws.js";

/** `event: <type>\ndata: <native event frame>\n\n`, built once per event and shared. */
function encodeEvent(e: HeraldEvent, json: string): string {
  return `event: ${e.event.replace(/[\r\n]/g, " ")}\ndata: ${json}\n\n`;
}

type Held = { kind: "event"; out: OutboundEvent } | { kind: "position"; index: number; position: CursorPosition };

class SseTransport implements Transport {
  readonly kind = "sse";
  session!: Session;
  private readonly exact = new Map<string, number>();
  private readonly patterns: number[] = [];
  private readonly fp: string;
  /** Events (and deferred positions) held until every subscription has answered. */
  private held: Held[] | undefined = [];
  private overflowed = false;
  private ended = false;
  private readonly corker: Corker | undefined;
  /** The subscribe requests waiting for their answer, and the subscription each is for. */
  private readonly asked = new Map<ClientFrame, number>();

  constructor(
    readonly res: ServerResponse,
    readonly names: readonly string[],
    private readonly positions: Array<CursorPosition | undefined>,
    private readonly maxOutbound: number,
    private readonly maxHeld: number,
  ) {
    this.fp = fingerprint(names);
    names.forEach((name, i) => {
      if (isPattern(name)) this.patterns.push(i);
      else this.exact.set(name, i);
    });
    const socket = res.socket as Socket | null;
    this.corker = socket ? new Corker(socket) : undefined;
  }

  get buffered(): number {
    return this.res.writableLength;
  }

  get cursor(): string {
    return encodeCursor(this.fp, this.positions);
  }

  /** Writes raw SSE text; closes a consumer that lets too much pile up. */
  write(text: string): void {
    if (this.ended || this.overflowed || this.res.destroyed) return;
    if (this.res.writableLength > this.maxOutbound) {
      this.overflowed = true;
      this.session.close(CloseCode.slowConsumer, "outbound buffer overflow: the client reads too slowly");
      return;
    }
    this.corker?.hold();
    this.res.write(text);
  }

  private control(name: string, data: unknown): void {
    this.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  send(frame: ServerFrame): void {
    if (frame.type === "ack" || frame.type === "pong") return;
    // `error` is EventSource's own connection-error event: Herald errors arrive as `herald_error`.
    this.control(frame.type === "error" ? "herald_error" : frame.type, frame);
  }

  /** Asks the session for subscription `index` (its answer comes back through `answer`). */
  subscribe(index: number, frame: SubscribeFrame): Promise<unknown> {
    this.asked.set(frame, index);
    return this.session.handle(frame).finally(() => this.asked.delete(frame));
  }

  answer(request: ClientFrame, answer: Answer): void {
    const index = this.asked.get(request);
    if (index === undefined) return;
    if (answer.kind === "ack") this.onAck(index, answer.ack as SubscribeAck);
    else if (answer.kind === "error") {
      // A refused subscription: named by its topic (the stream's subscriptions have no request ids).
      this.control("herald_error", { ...answerFrame(undefined, answer), topic: this.names[index] });
    }
  }

  private onAck(index: number, frame: SubscribeAck): void {
    const name = this.names[index];
    if (name === undefined) return;
    const n = (isPattern(name) ? frame.offset : frame.seq) as number;
    const position = { epoch: frame.epoch, n };
    if (frame.recovered === true) {
      // The replayed events follow the ack synchronously; the ack's position applies after them.
      queueMicrotask(() => this.enqueue({ kind: "position", index, position }));
      return;
    }
    if (frame.recovered === false)
      this.positions[index] = position; // a reset may move back (a future seq)
    else this.advance(index, position);
    if (frame.recovered === false) {
      this.control("reset", {
        topic: name,
        recovered: false,
        epoch: frame.epoch,
        [isPattern(name) ? "offset" : "seq"]: n,
        reason: "the missed events are no longer available; reload this subscription's state",
      });
    }
  }

  /** Moves a subscription forward (never back within one epoch). */
  private advance(index: number, position: CursorPosition): void {
    const cur = this.positions[index];
    if (cur === undefined || cur.epoch !== position.epoch || position.n > cur.n) this.positions[index] = position;
  }

  private enqueue(item: Held): void {
    if (this.held !== undefined) {
      this.held.push(item);
      if (this.held.length > this.maxHeld)
        this.session.close(CloseCode.slowConsumer, "too many events during recovery");
      return;
    }
    if (item.kind === "event") this.writeEvent(item.out);
    else this.advance(item.index, item.position);
  }

  sendEvent(out: OutboundEvent): void {
    this.enqueue({ kind: "event", out });
  }

  private writeEvent(out: OutboundEvent): void {
    const e = out.event;
    const i = this.exact.get(e.topic);
    if (i !== undefined) this.advance(i, { epoch: e.epoch, n: e.seq });
    for (const p of this.patterns) {
      const cur = this.positions[p];
      if (cur !== undefined && topicMatches(this.names[p] as string, e.topic))
        this.advance(p, { epoch: cur.epoch, n: e.offset });
    }
    this.write(`id: ${this.cursor}\n${out.memo("sse", encodeEvent)}`);
  }

  /** Every subscription has answered: sends what was held, then `ready` with the full position. */
  release(resumed: boolean): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const item of held) this.enqueue(item);
    this.write(
      `id: ${this.cursor}\nevent: ready\ndata: ${JSON.stringify({ session_id: this.session.id, topics: this.names, resumed })}\n\n`,
    );
  }

  heartbeat(): void {
    this.write(":\n\n");
  }

  close(_code: number, _reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.res.end();
  }
}

export interface SseEndpointOptions {
  /** Path served, e.g. `/sse`. */
  path: string;
  /** Reconnection delay sent to `EventSource` (`retry:`), ms. */
  retryMs: number;
}

function fail(res: ServerResponse, code: ErrorCode, error: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ code, error });
  res.writeHead(ErrorCodes[code].status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(body);
}

/** Reads the `filter` and `rate` query parameters (JSON), refusing a bad one before the stream starts. */
function subscriptionOptions(url: URL): { filter?: Filter; rate?: SubscriptionRate } {
  const out: { filter?: Filter; rate?: SubscriptionRate } = {};
  const rawFilter = url.searchParams.get("filter");
  if (rawFilter !== null) {
    let filter: unknown;
    try {
      filter = JSON.parse(rawFilter);
    } catch {
      throw new HeraldError("invalid_filter", '"filter" must be a JSON object');
    }
    compileFilter(filter); // throws invalid_filter naming the problem (limits apply at subscribe)
    out.filter = filter as Filter;
  }
  const rawRate = url.searchParams.get("rate");
  if (rawRate !== null) {
    let rate: unknown;
    try {
      rate = JSON.parse(rawRate);
    } catch {
      throw new HeraldError("bad_request", '"rate" must be JSON {intervalMs, mode, key?}');
    }
    const parsed = parseRate(rate);
    if (parsed instanceof Error) throw new HeraldError("bad_request", parsed.message);
    out.rate = parsed;
  }
  return out;
}

/** How many distinct topics the request named (they come first in the subscription list). */
function requestedCount(url: URL): number {
  return new Set(
    url.searchParams
      .getAll("topic")
      .flatMap((t) => t.split(","))
      .map((t) => t.trim())
      .filter((t) => t.length > 0),
  ).size;
}

export class SseEndpoint {
  private readonly sessions: EndpointSessions<SseTransport>;
  private readonly heartbeat: NodeJS.Timeout;
  private closing = false;

  constructor(
    private readonly core: GatewayCore,
    private readonly options: SseEndpointOptions,
  ) {
    this.sessions = new EndpointSessions(core);
    this.heartbeat = setInterval(() => {
      for (const t of this.sessions) t.heartbeat();
    }, core.config.timeouts.heartbeatMs);
    this.heartbeat.unref();
  }

  get connections(): number {
    return this.sessions.size;
  }

  /** Serves the SSE path; returns false for other paths. */
  handleRequest(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    if (url.pathname !== this.options.path) return false;
    this.serve(req, res, url).catch((err) => {
      const e = toHeraldError(err);
      if (e.code === "internal") this.core.log.error({ err }, "sse request failed");
      this.core.metrics.errors.inc({ code: e.code });
      if (!res.headersSent) fail(res, e.code, e.message);
      else res.end();
    });
    return true;
  }

  /** The subscription list: requested names (deduplicated, in order), then the implicit ones. */
  private names(url: URL, who: Principal): string[] {
    const requested = url.searchParams
      .getAll("topic")
      .flatMap((t) => t.split(","))
      .map((t) => t.trim())
      .filter((t) => t.length > 0);
    if (requested.length === 0)
      throw new HeraldError("bad_request", 'at least one "topic" query parameter is required');
    const max = this.core.config.limits.maxSubscriptionsPerConnection;
    const names = [...new Set(requested)];
    for (const name of names) {
      const problem = patternProblem(name);
      if (problem !== undefined) throw new HeraldError("invalid_topic", problem);
    }
    const implicit = [BROADCAST_TOPIC, ...(who.anonymous ? [] : [personalTopic(who.user)])];
    for (const name of implicit) if (!names.includes(name)) names.push(name);
    if (names.length > max) {
      throw new HeraldError(
        "too_many_subscriptions",
        `at most ${max} subscriptions per connection, including ${implicit.length} implicit (${implicit.join(", ")})`,
      );
    }
    for (const name of names) {
      if (!this.core.acl.canSubscribe(who, name))
        throw new HeraldError("forbidden", `not allowed to subscribe to "${name}"`);
    }
    return names;
  }

  private async serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      fail(res, "bad_request", "the SSE endpoint answers GET only", { allow: "GET" });
      return;
    }
    if (this.closing) {
      fail(res, "shutting_down", "the server is shutting down", { "retry-after": "1" });
      return;
    }
    if (this.sessions.full) {
      fail(res, "unavailable", "the node is at its connection limit", { "retry-after": "1" });
      return;
    }
    const token = upgradeToken(req, url);
    let who = this.core.anonymous;
    // The backend's connect hook (docs/hooks.md) is asked once, here, so a refusal is an HTTP
    // answer; the session is then opened as who it said.
    const hooks = this.core.hooks;
    const forwarded = hooks?.forward.pick(req.headers);
    let verified: Principal | undefined;
    if (hooks?.connectHook !== undefined && (token === undefined || hooks.connectTakesTokens)) {
      const ask: ConnectRequest = { transport: "sse", ip: req.socket.remoteAddress };
      if (token !== undefined) ask.token = token;
      verified = await hooks.connect(ask, forwarded);
    }
    if (verified !== undefined) who = verified;
    else if (token !== undefined) who = await this.core.authenticator.authenticate(token);
    else if (!this.core.config.auth.anonymous) throw new HeraldError("unauthorized", "a token is required");
    const names = this.names(url, who);
    const { filter, rate } = subscriptionOptions(url);
    const header = req.headers["last-event-id"];
    const lastId = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get("lastEventId") ?? undefined;
    const requested = requestedCount(url);
    const maxId = this.core.config.headers.maxLastEventIdBytes;
    if (lastId !== undefined && Buffer.byteLength(lastId) > maxId) {
      throw new HeraldError("invalid_position", `Last-Event-ID is longer than ${maxId} bytes`);
    }
    const fp = fingerprint(names);
    const since =
      lastId !== undefined && lastId !== "" ? decodeCursor(lastId, fp, names.length) : names.map(() => undefined);

    const headers: Record<string, string> = {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    };
    // A cross-origin EventSource needs CORS; the Origin was already checked against the
    // allow-list (server.allowedOrigins) before this request got here.
    const origin = req.headers.origin;
    if (typeof origin === "string" && this.core.config.server.allowedOrigins.length > 0) {
      headers["access-control-allow-origin"] = origin;
      headers["access-control-allow-credentials"] = "true";
      headers.vary = "Origin";
    }
    res.writeHead(200, headers);
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    res.write(`retry: ${this.options.retryMs}\n\n`);
    const { limits, recovery } = this.core.config;
    const transport = new SseTransport(
      res,
      names,
      [...since],
      limits.maxOutboundBytes,
      recovery.maxEvents * (names.length + 1),
    );
    const session = this.sessions.create(transport, { ip: req.socket.remoteAddress, headers: req.headers });
    res.on("close", () => this.sessions.gone(transport));
    if (!this.sessions.admit(transport)) return;
    // The token was checked above to answer 401 before the stream starts; the session checks
    // it again (one extra verification per SSE connection) and binds the principal.
    await session.open(token, verified);
    for (let i = 0; i < names.length && !session.isClosed; i++) {
      const position = since[i];
      const frame: SubscribeFrame = { type: "subscribe", topic: names[i] as string };
      // The filter and rate apply to the requested topics, not to the implicit ones.
      if (i < requested) {
        if (filter !== undefined) frame.filter = filter;
        if (rate !== undefined) frame.rate = rate;
      }
      if (position !== undefined) {
        frame.since = isPattern(names[i] as string)
          ? { epoch: position.epoch, offset: position.n }
          : { epoch: position.epoch, seq: position.n };
      }
      await transport.subscribe(i, frame);
    }
    if (!session.isClosed) transport.release(lastId !== undefined && lastId !== "");
  }

  /** Ends every stream (shutdown): clients reconnect elsewhere with their `Last-Event-ID`. */
  closeAll(code: number, reason: string): void {
    this.closing = true;
    clearInterval(this.heartbeat);
    this.sessions.closeAll(code, reason);
  }
}
