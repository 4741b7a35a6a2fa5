/**
 * Socket.IO at `/socket.io`, served by the `socket.io` library itself (engine.io underneath,
 * WebSocket and long-polling). Each Socket.IO socket is one `Session`; this file only adapts
 * the wire: Socket.IO events in, Socket.IO events out. See docs/transports.md.
 *
 * Events arrive as Socket.IO events named by the Herald event type, with the event's `data` as
 * the first argument and its position `{topic, id, seq, epoch, offset, timestamp}` as the
 * second, so a legacy handler `socket.on("new_notification", (n) => …)` works unchanged and a
 * Herald-aware one can resume with `since`. With `socketio.recovery` (the default) the event's
 * stream offset follows as a last string argument, which is what Socket.IO's own connection
 * state recovery makes an unchanged client echo when it reconnects (`socketio-recovery.ts`).
 * `socketio.eventNames` renames event types (`notification` → `new_notification`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { CloseCode, type ErrorCode, HeraldError, isFrameProblem, parseClientFrame } from "@herald/protocol";
import { Server as EngineServer } from "engine.io";
import { Server as IoServer, type Socket } from "socket.io";
import type { Principal } from "../auth/principal.js";
import type { SocketIoSubscribeEvent } from "../config-types.js";
import type { GatewayCore } from "../core.js";
import { valueDepth } from "../json.js";
import { OriginPolicy } from "../limits/origin.js";
import { toHeraldError } from "../session.js";
import { EndpointSessions } from "./endpoint-sessions.js";
import { newPid, ResumeTracker, type ResyncReason, SocketIoRecovery } from "./socketio-recovery.js";
import { type Ack, type EventEncoding, SocketIoTransport } from "./socketio-transport.js";
import { upgradeToken } from "./ws.js";

/** Herald requests a Socket.IO client may emit, each answered through its ack callback. */
const REQUESTS = ["subscribe", "unsubscribe", "publish", "history", "presence", "refresh", "auth", "rpc"] as const;

/** CORS for engine.io: reflects an allowed Origin (with credentials), refuses others. */
function corsFor(allowed: readonly string[]) {
  const policy = new OriginPolicy(allowed);
  return {
    origin: (origin: string | undefined, cb: (err: Error | null, allow?: boolean) => void) =>
      cb(null, origin !== undefined && policy.allows(origin, undefined)),
    credentials: true,
  };
}

export interface SocketIoEndpointOptions {
  /** Path served, e.g. `/socket.io`. */
  path: string;
}

/** Reads the handshake token: `auth.token`, then the `Authorization` header or `token` query. */
function handshakeToken(socket: Socket): string | undefined {
  const auth = socket.handshake.auth as Record<string, unknown> | undefined;
  if (typeof auth?.token === "string" && auth.token.length > 0) return auth.token;
  const req = socket.request;
  return upgradeToken(req, new URL(req.url ?? "/", "http://localhost"));
}

export class SocketIoEndpoint {
  readonly io: IoServer;
  private readonly engine: EngineServer;
  private readonly prefix: string;
  private readonly sessions: EndpointSessions<SocketIoTransport>;
  private readonly idleTimer: NodeJS.Timeout | undefined;
  private readonly encoding: EventEncoding;
  /** Connection state recovery (config `socketio.recovery`); undefined when disabled. */
  private readonly recovery: SocketIoRecovery | undefined;
  /** Sockets resumed during their handshake, waiting for `connection`. */
  private readonly resumed = new WeakMap<Socket, { transport: SocketIoTransport; deliver: () => void }>();
  /** Principals of handshake tokens verified by the first middleware. */
  private readonly verified = new WeakMap<Socket, Principal>();
  /** Sockets that asked to resume and could not, with the reason (for the `resyncEvent`). */
  private readonly refused = new WeakMap<Socket, ResyncReason>();

  constructor(
    private readonly core: GatewayCore,
    options: SocketIoEndpointOptions,
  ) {
    const { limits, timeouts } = core.config;
    this.sessions = new EndpointSessions(core);
    this.prefix = `${options.path.replace(/\/$/, "")}/`;
    this.engine = new EngineServer({
      maxHttpBufferSize: limits.maxFrameBytes,
      pingInterval: timeouts.heartbeatMs,
      // Socket.IO's own keep-alive: a ping every heartbeat; a pong may take up to 20 s (at least 5 s).
      pingTimeout: Math.max(5_000, Math.min(20_000, timeouts.heartbeatMs)),
      perMessageDeflate: false,
      httpCompression: false,
      // Cross-origin long-polling needs CORS: granted to the Origin allow-list, when there is one.
      ...(core.config.server.allowedOrigins.length > 0 ? { cors: corsFor(core.config.server.allowedOrigins) } : {}),
    });
    this.io = new IoServer({ path: options.path, serveClient: false });
    this.io.bind(this.engine as never);
    this.io.use((socket, next) => {
      // A handshake token is checked before the connection is accepted, so a bad one is a
      // Socket.IO `connect_error` (the client's usual way to learn it) rather than a later close.
      const token = handshakeToken(socket);
      // A token for the backend's connect hook (hooks.connect.tokens) is its to judge, in the session.
      if (token === undefined || core.hooks?.connectTakesTokens === true) return next();
      core.authenticator.authenticate(token).then(
        (principal) => {
          this.verified.set(socket, principal);
          next();
        },
        (err) => {
          const e = toHeraldError(err);
          const refused = new Error(e.message) as Error & { data?: unknown };
          refused.data = { code: e.code };
          next(refused);
        },
      );
    });
    const { recovery, eventNames } = core.config.socketio;
    this.encoding = { names: eventNames, offset: recovery.enabled };
    this.recovery = recovery.enabled ? new SocketIoRecovery(core) : undefined;
    // After the token check: the CONNECT answer carries the session id (`pid`) and tells the
    // client whether it resumed, so the resume is decided before it is sent.
    if (this.recovery !== undefined) this.io.use((socket, next) => this.handshake(socket).finally(() => next()));
    this.io.on("connection", (socket) => this.accept(socket));
    if (timeouts.idleMs > 0) {
      this.idleTimer = setInterval(() => this.sessions.closeIdle(), Math.min(timeouts.idleMs, timeouts.heartbeatMs));
      this.idleTimer.unref();
    }
  }

  get connections(): number {
    return this.sessions.size;
  }

  /** Whether `url` is on Socket.IO's path. */
  handles(url: URL): boolean {
    return url.pathname.startsWith(this.prefix);
  }

  /** Serves Socket.IO's HTTP requests (handshake, long-polling); returns false for other paths. */
  handleRequest(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    if (!url.pathname.startsWith(this.prefix)) return false;
    this.engine.handleRequest(req, res);
    return true;
  }

  /** Takes the WebSocket upgrade of Socket.IO's path; returns false for other paths. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): boolean {
    if (!url.pathname.startsWith(this.prefix)) return false;
    this.engine.handleUpgrade(req, socket, head);
    return true;
  }

  private newTransport(socket: Socket): SocketIoTransport {
    const transport = new SocketIoTransport(socket, this.core, this.encoding, this.recovery);
    this.sessions.create(transport, { ip: socket.conn.remoteAddress, headers: socket.handshake.headers });
    return transport;
  }

  /**
   * Connection state recovery, during the handshake: a client that sends a `pid` asks to resume.
   * A resumed session is built here (subscriptions held, missed events read); `accept` delivers.
   */
  private async handshake(socket: Socket): Promise<void> {
    const recovery = this.recovery as SocketIoRecovery;
    const auth = socket.handshake.auth as Record<string, unknown> | undefined;
    const pid = auth?.pid;
    const own = socket as unknown as { pid?: string; recovered: boolean };
    if (typeof pid !== "string" || pid.length === 0 || pid.length > 64) {
      own.pid = newPid();
      return;
    }
    const transport = this.newTransport(socket);
    const session = transport.session;
    // The client may go before `connection` (during the resume or just after): then nothing
    // else releases the held session.
    socket.conn.once("close", () => {
      if (!this.sessions.has(transport)) session.cleanup();
    });
    let outcome: Awaited<ReturnType<SocketIoRecovery["resume"]>> = { refused: "not_recoverable" };
    try {
      // The handshake token was verified by the first middleware; a resume reuses that result.
      const principal = this.verified.get(socket);
      outcome = await recovery.resume(pid, auth?.offset, session, principal);
    } catch (err) {
      this.core.log.warn({ err }, "socket.io resume failed");
    }
    if ("refused" in outcome) {
      session.cleanup();
      // A claimed record that cannot be resumed is of no further use (owner-checked: only ours).
      this.core.engine.resumable.remove(pid, session.id).catch(() => {});
      own.pid = newPid();
      this.refused.set(socket, outcome.refused);
      return;
    }
    transport.tracker = new ResumeTracker(pid, outcome.state);
    for (const sub of outcome.state.subscriptions) transport.restored.add(sub.name);
    own.pid = pid;
    own.recovered = true;
    this.resumed.set(socket, { transport, deliver: outcome.deliver });
  }

  private accept(socket: Socket): void {
    const resumed = this.resumed.get(socket);
    this.resumed.delete(socket);
    const transport = resumed?.transport ?? this.newTransport(socket);
    const session = transport.session;
    if (this.recovery !== undefined && transport.tracker === undefined) {
      transport.tracker = new ResumeTracker((socket as unknown as { pid: string }).pid);
    }
    socket.on("disconnect", (reason: string) => {
      if (transport.tracker !== undefined) this.recovery?.disconnected(transport.tracker, session, reason);
      this.sessions.gone(transport);
    });
    if (!this.sessions.admit(transport)) return;
    // Every inbound event spends from the same token bucket as native frames.
    socket.use((packet, next) => {
      const verdict = transport.rate.admit();
      if (verdict === "ok") return next();
      if (verdict === "close")
        return session.closeWhenSettled(CloseCode.rateLimited, "inbound request rate exceeded repeatedly");
      this.core.metrics.errors.inc({ code: "rate_limited" });
      const rate = this.core.config.limits.inboundFramesPerSecond;
      const answer = {
        ok: false,
        code: "rate_limited",
        error: `more than ${rate} requests per second; request dropped (retry in ${transport.rate.retryAfterMs} ms)`,
        timestamp: Date.now(),
      };
      const last = packet[packet.length - 1];
      if (typeof last === "function") (last as Ack)(answer);
      else transport.emit("herald_error", answer);
    });
    for (const type of REQUESTS) {
      socket.on(type, (payload: unknown, ack?: unknown) => this.request(transport, type, payload, ack));
    }
    socket.on("authenticate", (payload: unknown, ack?: unknown) => this.authenticate(transport, payload, ack));
    for (const [name, spec] of Object.entries(this.core.config.socketio.subscribeEvents)) {
      socket.on(name, (payload: unknown, ack?: unknown) => this.preferences(transport, name, spec, payload, ack));
    }
    socket.on("ping", (_payload: unknown, ack?: unknown) => {
      const cb = typeof _payload === "function" ? _payload : ack;
      this.dispatch(transport, { type: "ping" }, cb);
    });
    socket.on("get_status", (_payload: unknown, ack?: unknown) => {
      session.lastActivity = Date.now();
      const cb = typeof _payload === "function" ? _payload : ack;
      const status: Record<string, unknown> = {
        connected_users: this.core.sessions.users,
        session_id: session.id,
        subscriptions: session.subscriptionCount,
      };
      if (session.user !== undefined) status.user_id = session.user;
      transport.emit("status", status);
      if (typeof cb === "function") (cb as Ack)(status);
    });
    if (resumed !== undefined) {
      this.resumeLive(transport, resumed.deliver);
      return;
    }
    const refused = this.refused.get(socket);
    const resync = this.core.config.socketio.recovery.resyncEvent;
    if (refused !== undefined && resync !== "") transport.emit(resync, { reason: refused });
    transport.opening = session
      .open(handshakeToken(socket))
      .then(() => {
        // Without a token and without anonymous access the session waits for `authenticate`;
        // the client still learns its session id at once.
        if (!transport.established && !session.isClosed) {
          transport.established = true;
          const info = { session_id: session.id, server_version: this.core.version };
          transport.emit("connection_established", info, transport.tracker && transport.cursor);
        }
      })
      .catch((err) => {
        this.core.log.error({ err }, "session open failed");
        session.close(CloseCode.internalError, "internal error");
      })
      .finally(() => {
        transport.opening = undefined;
      });
  }

  /** A resumed session goes live: missed events first, in stream order, then the usual welcome. */
  private resumeLive(transport: SocketIoTransport, deliver: () => void): void {
    const session = transport.session;
    if (session.isClosed) return;
    deliver();
    transport.established = true;
    const info: Record<string, unknown> = {
      session_id: session.id,
      server_version: this.core.version,
      recovered: true,
    };
    if (session.user !== undefined) info.user_id = session.user;
    // Sent after the missed events, so the cursor it carries covers them all.
    transport.emit("connection_established", info, transport.cursor);
    if (session.user !== undefined) transport.emit("authenticated", { user_id: session.user, session_id: session.id });
    this.recovery?.save(transport.tracker as ResumeTracker, session);
  }

  /** A Herald request (`subscribe`, `publish`, …) with an optional ack callback. */
  private request(transport: SocketIoTransport, type: string, payload: unknown, ack: unknown): void {
    if (typeof payload === "function" && ack === undefined) {
      ack = payload;
      payload = undefined;
    }
    let body: Record<string, unknown>;
    if (typeof payload === "string" && (type === "subscribe" || type === "unsubscribe" || type === "history")) {
      body = { topic: payload };
    } else if (typeof payload === "object" && payload !== null && !Array.isArray(payload)) {
      body = payload as Record<string, unknown>;
    } else {
      body = {};
    }
    // A client that resubscribes after a resume (Herald-aware code, with or without `since`)
    // finds its subscription already restored and its gap already replayed.
    if (type === "unsubscribe" && typeof body.topic === "string") transport.restored.delete(body.topic);
    if (type === "subscribe" && typeof body.topic === "string" && transport.restored.delete(body.topic)) {
      const answer = { ok: true, topic: body.topic, recovered: true, replayed: 0, resumed: true };
      if (typeof ack === "function") (ack as Ack)(answer);
      return;
    }
    this.dispatch(transport, { ...body, type }, ack);
  }

  /**
   * A configured subscribe event (`socketio.subscribeEvents`, e.g. `subscribe_preferences`): the
   * payload sets the filter of one subscription, replacing the one the previous event set. The
   * unsubscribe and the subscribe are handled in the same turn, so no live event falls between.
   */
  private preferences(
    transport: SocketIoTransport,
    name: string,
    spec: SocketIoSubscribeEvent,
    payload: unknown,
    ack: unknown,
  ): void {
    if (typeof payload === "function" && ack === undefined) {
      ack = payload;
      payload = undefined;
    }
    const body = (typeof payload === "object" && payload !== null && !Array.isArray(payload) ? payload : {}) as Record<
      string,
      unknown
    >;
    const filter: Record<string, unknown> = {};
    for (const [field, key] of Object.entries(spec.filter ?? {})) {
      const v = body[key];
      if (Array.isArray(v)) {
        if (v.length > 0) filter[field] = { in: v };
      } else if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") filter[field] = v;
      else if (v !== undefined && v !== null) {
        const answer = { ok: false, code: "invalid_filter", error: `"${key}" must be a list or a single value` };
        if (typeof ack === "function") (ack as Ack)(answer);
        else transport.emit("herald_error", answer);
        return;
      }
    }
    const enabled = spec.enabledBy === undefined || body[spec.enabledBy] !== false;
    const key = enabled ? JSON.stringify(filter) : "off";
    const held = transport.preferences.get(name);
    if (held?.key === key) {
      if (typeof ack === "function") (ack as Ack)({ ok: true, topic: spec.topic, unchanged: true });
      return;
    }
    // A resumed session already holds the subscription (with the filter it had): replace it.
    const restored = transport.restored.delete(spec.topic);
    if (held !== undefined || restored) this.dispatch(transport, { type: "unsubscribe", topic: spec.topic }, undefined);
    if (!enabled) {
      transport.preferences.set(name, { topic: spec.topic, key });
      if (typeof ack === "function") (ack as Ack)({ ok: true, topic: spec.topic, subscribed: false });
      return;
    }
    transport.preferences.set(name, { topic: spec.topic, key });
    const frame: Record<string, unknown> = { type: "subscribe", topic: spec.topic };
    if (Object.keys(filter).length > 0) frame.filter = filter;
    this.dispatch(transport, frame, (answer: Record<string, unknown>) => {
      // Refused (ACL, limits): nothing is held, so the same preferences sent again are tried again.
      if (answer.ok === false) transport.preferences.delete(name);
      if (typeof ack === "function") (ack as Ack)(answer);
      else if (answer.ok === false) transport.emit("herald_error", answer);
    });
  }

  private authenticate(transport: SocketIoTransport, payload: unknown, ack: unknown): void {
    const body = (typeof payload === "object" && payload !== null ? payload : {}) as Record<string, unknown>;
    const fail = (code: ErrorCode, error: string) => {
      transport.emit("auth_error", { code, error });
      if (typeof ack === "function") (ack as Ack)({ ok: false, code, error });
    };
    if (typeof body.token !== "string" || body.token.length === 0) {
      fail("bad_request", '"token" is required');
      return;
    }
    const token = body.token;
    const claimed = body.user_id;
    const run = () => this.dispatch(transport, { type: "auth", token }, ack, true);
    if (claimed === undefined || claimed === null) {
      run();
      return;
    }
    // Legacy clients name their user; the token decides, and a mismatch is refused. The token
    // is verified here and again by the session: one extra verification per authentication.
    this.core.authenticator.authenticate(token).then(
      (principal) => {
        if (principal.user !== String(claimed)) fail("forbidden", "the token is for a different user_id");
        else run();
      },
      () => run(), // the session answers (and counts) the token error itself
    );
  }

  /** Parses and hands one request to the session; its answer is routed to `ack` (`SocketIoTransport.answer`). */
  private dispatch(transport: SocketIoTransport, raw: Record<string, unknown>, ack: unknown, auth = false): void {
    // A client may emit as soon as it is connected, before the handshake token is verified.
    if (transport.opening !== undefined) {
      transport.opening.then(() => this.dispatch(transport, raw, ack, auth));
      return;
    }
    const session = transport.session;
    const reply = (code: ErrorCode, error: string) => {
      this.core.metrics.errors.inc({ code });
      const answer = { ok: false, code, error, timestamp: Date.now() };
      if (typeof ack === "function") (ack as Ack)(answer);
      else transport.emit("herald_error", answer);
    };
    if (valueDepth(raw, this.core.config.limits.maxJsonDepth) > this.core.config.limits.maxJsonDepth) {
      reply("too_deep", `JSON nesting is deeper than ${this.core.config.limits.maxJsonDepth}`);
      return;
    }
    // Answers go back by callback: a request id of the client's own plays no part.
    const { id: _id, ...body } = raw;
    const frame = parseClientFrame(body);
    if (isFrameProblem(frame)) {
      reply(frame.code, frame.error);
      return;
    }
    if (transport.pending.size >= this.core.config.limits.maxSubscriptionsPerConnection + 100) {
      reply("rate_limited", "too many requests waiting for an answer");
      return;
    }
    transport.ask(frame, typeof ack === "function" ? (ack as Ack) : undefined, auth);
    session
      .handle(frame)
      .catch((err) => {
        const e = err instanceof HeraldError ? err : toHeraldError(err);
        this.core.log.error({ err: e }, "socket.io request failed");
      })
      .finally(() => transport.pending.delete(frame));
  }

  /** Closes every connection with `code` (shutdown). */
  closeAll(code: number, reason: string): void {
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.recovery?.close();
    this.sessions.closeAll(code, reason);
    this.engine.close();
  }
}
