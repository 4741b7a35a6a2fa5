/**
 * Socket.IO at `/socket.io`, served by the `socket.io` library itself (engine.io underneath,
 * WebSocket and long-polling). Each Socket.IO socket is one `Session`; this file only adapts
 * the wire: Socket.IO events in, Socket.IO events out. See docs/transports.md.
 *
 * Events arrive as Socket.IO events named by the Herald event type, with the event's `data` as
 * the first argument and its position `{topic, id, seq, epoch, offset, timestamp}` as the
 * second, so a legacy handler `socket.on("new_notification", (n) => …)` works unchanged and a
 * Herald-aware one can resume with `since`. Recovery is Herald's own (a `since` in the
 * `subscribe` payload), not Socket.IO's connection-state recovery: it works across nodes and
 * after the server's session is gone.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import {
  type ClientFrame,
  CloseCode,
  type ErrorCode,
  HeraldError,
  type HeraldEvent,
  isFrameProblem,
  parseClientFrame,
  type ServerFrame,
} from "@herald/protocol";
import { Server as EngineServer } from "engine.io";
import { Server as IoServer, type Socket } from "socket.io";
import { Encoder, PacketType } from "socket.io-parser";
import WebSocket from "ws";
import type { GatewayCore } from "../core.js";
import type { OutboundEvent } from "../hub/outbound.js";
import { valueDepth } from "../json.js";
import { InboundRate } from "../limits/inbound-rate.js";
import { OriginPolicy } from "../limits/origin.js";
import { Session, toHeraldError } from "../session.js";
import type { Transport } from "./transport.js";
import { upgradeToken } from "./ws.js";

/** Socket.IO event names a server may not emit; events of these types arrive as `herald_<name>`. */
const RESERVED = new Set(["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]);

/** Herald requests a Socket.IO client may emit, each answered through its ack callback. */
const REQUESTS = ["subscribe", "unsubscribe", "publish", "history", "presence", "refresh", "auth"] as const;

const encoder = new Encoder();

type Ack = (answer: unknown) => void;

/** `ws`'s frame builder, as Socket.IO's own broadcast uses it to frame a packet once for all sockets. */
const frameOf = (WebSocket as unknown as { Sender?: { frame?: (data: Buffer, options: object) => Buffer[] } }).Sender
  ?.frame;

/** One Herald event as Socket.IO packets, and as a finished WebSocket frame when it fits in one. */
interface EncodedEvent {
  packets: string[];
  /** Passed to engine.io as `wsPreEncodedFrame`: WebSocket sockets send it without encoding again. */
  options: { wsPreEncodedFrame?: Buffer[] };
}

/** The Socket.IO event name and encoded packet of one Herald event (built once per event). */
function encodeEvent(e: HeraldEvent): EncodedEvent {
  const meta: Record<string, unknown> = {
    topic: e.topic,
    id: e.id,
    seq: e.seq,
    epoch: e.epoch,
    offset: e.offset,
    timestamp: e.timestamp,
  };
  if (e.source !== undefined) meta.source = e.source;
  if (e.sig !== undefined) meta.sig = e.sig;
  const name = RESERVED.has(e.event) ? `herald_${e.event}` : e.event;
  const packets = encoder.encode({ type: PacketType.EVENT, nsp: "/", data: [name, e.data ?? null, meta] }) as string[];
  const options: EncodedEvent["options"] = {};
  if (frameOf !== undefined && packets.length === 1 && typeof packets[0] === "string") {
    // "4" is engine.io's message packet type; the frame is unmasked text, as a server sends it.
    options.wsPreEncodedFrame = frameOf(Buffer.from(`4${packets[0]}`), {
      readOnly: false,
      mask: false,
      rsv1: false,
      opcode: 1,
      fin: true,
    });
  }
  return { packets, options };
}

function byteLength(data: unknown): number {
  if (typeof data === "string") return data.length;
  if (data instanceof Uint8Array || data instanceof ArrayBuffer) return data.byteLength;
  return 0;
}

class SocketIoTransport implements Transport {
  readonly kind = "socketio";
  session!: Session;
  /** Ack callbacks of requests the session has not answered yet, by request id. */
  readonly pending = new Map<string, Ack>();
  /** Ids of `authenticate` requests: their answer is also emitted as `authenticated` / `auth_error`. */
  readonly authRequests = new Set<string>();
  established = false;
  /** The inbound request rate (the same token bucket as native frames). */
  readonly rate: InboundRate;
  /** Resolves once the session is open; requests that arrive earlier wait for it, in order. */
  opening: Promise<void> | undefined;
  private queued = 0;
  private overflowed = false;

  constructor(
    readonly socket: Socket,
    private readonly maxOutbound: number,
    limits: GatewayCore["config"]["limits"],
  ) {
    this.rate = new InboundRate(limits);
    // Bytes we wrote that still sit in engine.io's write buffer; `flush` hands them to the wire.
    socket.conn.on("flush", (packets: Array<{ type: string; data?: unknown }>) => {
      let n = 0;
      for (const p of packets) if (p.type === "message") n += byteLength(p.data);
      this.queued = Math.max(0, this.queued - n);
    });
  }

  get buffered(): number {
    const wire = this.socket.conn.transport as unknown as { socket?: { bufferedAmount?: number } };
    return this.queued + (wire.socket?.bufferedAmount ?? 0);
  }

  /** Emits a Socket.IO event (control traffic: serialised per call, rare). */
  emit(name: string, data: unknown): void {
    if (!this.socket.connected || this.overflowed) return;
    this.queued += 64;
    this.socket.emit(name, data);
  }

  send(frame: ServerFrame): void {
    switch (frame.type) {
      case "welcome": {
        if (this.established) return;
        this.established = true;
        const info: Record<string, unknown> = {
          session_id: frame.client,
          server_version: frame.version,
          epoch: frame.epoch,
          heartbeat: frame.heartbeat,
        };
        if (frame.user !== undefined) info.user_id = frame.user;
        this.emit("connection_established", info);
        if (frame.user !== undefined) this.emit("authenticated", { user_id: frame.user, session_id: frame.client });
        return;
      }
      case "ack":
      case "error": {
        const id = frame.id;
        const { id: _id, type: _type, ...fields } = frame;
        const answer = frame.type === "ack" ? { ok: true, ...fields } : { ok: false, ...fields };
        if (id !== undefined && this.authRequests.delete(id)) {
          if (frame.type === "ack")
            this.emit("authenticated", { user_id: this.session.user, session_id: this.session.id });
          else this.emit("auth_error", { code: frame.code, error: frame.error });
        } else if (frame.type === "error" && id === undefined) {
          const authProblem = frame.code === "unauthorized" || frame.code === "token_expired";
          this.emit(authProblem && !this.session.user ? "auth_error" : "herald_error", fields);
        }
        const ack = id === undefined ? undefined : this.pending.get(id);
        if (id !== undefined) this.pending.delete(id);
        if (ack !== undefined) ack(answer);
        else if (frame.type === "error" && id !== undefined && !id.startsWith("auth:"))
          this.emit("herald_error", fields);
        return;
      }
      case "pong": {
        const ack = frame.id === undefined ? undefined : this.pending.get(frame.id);
        if (frame.id !== undefined) this.pending.delete(frame.id);
        const answer = { timestamp: Date.now() };
        this.emit("pong", answer);
        ack?.(answer);
        return;
      }
      case "disconnect":
        this.emit("server_disconnect", { code: frame.code, reason: frame.reason, reconnect: frame.reconnect });
        return;
      default:
        this.emit(frame.type, frame);
    }
  }

  sendEvent(out: OutboundEvent): void {
    if (!this.socket.connected || this.overflowed) return;
    if (this.buffered > this.maxOutbound) {
      this.overflowed = true;
      this.session.close(CloseCode.slowConsumer, "outbound buffer overflow: the client reads too slowly");
      return;
    }
    // Encoded once per event and shared by every Socket.IO socket it reaches; written straight
    // to engine.io like Socket.IO's own broadcast does (`client.writeToEngine`).
    const encoded = out.memo("socketio", encodeEvent);
    for (const packet of encoded.packets) {
      this.queued += packet.length;
      this.socket.conn.write(packet, encoded.options as never);
    }
  }

  close(_code: number, _reason: string): void {
    if (this.socket.connected) this.socket.disconnect(true);
  }
}

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
  private readonly transports = new Set<SocketIoTransport>();
  private readonly idleTimer: NodeJS.Timeout | undefined;
  private nextRequest = 0;

  constructor(
    private readonly core: GatewayCore,
    options: SocketIoEndpointOptions,
  ) {
    const { limits, timeouts } = core.config;
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
      if (token === undefined) return next();
      core.authenticator.authenticate(token).then(
        () => next(),
        (err) => {
          const e = toHeraldError(err);
          const refused = new Error(e.message) as Error & { data?: unknown };
          refused.data = { code: e.code };
          next(refused);
        },
      );
    });
    this.io.on("connection", (socket) => this.accept(socket));
    if (timeouts.idleMs > 0) {
      this.idleTimer = setInterval(() => this.reapIdle(), Math.min(timeouts.idleMs, timeouts.heartbeatMs));
      this.idleTimer.unref();
    }
  }

  get connections(): number {
    return this.transports.size;
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

  private accept(socket: Socket): void {
    const transport = new SocketIoTransport(socket, this.core.config.limits.maxOutboundBytes, this.core.config.limits);
    const session = new Session(this.core, transport);
    session.ip = socket.conn.remoteAddress;
    transport.session = session;
    this.transports.add(transport);
    socket.on("disconnect", () => {
      this.transports.delete(transport);
      session.cleanup();
    });
    if (this.core.sessions.size > this.core.config.limits.maxConnections) {
      session.close(CloseCode.tooManyConnections, "the node is at its connection limit");
      return;
    }
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
    transport.opening = session
      .open(handshakeToken(socket))
      .then(() => {
        // Without a token and without anonymous access the session waits for `authenticate`;
        // the client still learns its session id at once.
        if (!transport.established && !session.isClosed) {
          transport.established = true;
          transport.emit("connection_established", { session_id: session.id, server_version: this.core.version });
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
    this.dispatch(transport, { ...body, type }, ack);
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
    const run = () => {
      const id = `auth:${++this.nextRequest}`;
      transport.authRequests.add(id);
      this.dispatch(transport, { type: "auth", token, id }, ack, id);
    };
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

  /** Parses and hands one request to the session; its answer is routed to `ack`. */
  private dispatch(transport: SocketIoTransport, raw: Record<string, unknown>, ack: unknown, fixedId?: string): void {
    // A client may emit as soon as it is connected, before the handshake token is verified.
    if (transport.opening !== undefined) {
      transport.opening.then(() => this.dispatch(transport, raw, ack, fixedId));
      return;
    }
    const session = transport.session;
    const id = fixedId ?? `io:${++this.nextRequest}`;
    const reply = (code: ErrorCode, error: string) => {
      this.core.metrics.errors.inc({ code });
      transport.authRequests.delete(id);
      const answer = { ok: false, code, error, timestamp: Date.now() };
      if (typeof ack === "function") (ack as Ack)(answer);
      else transport.emit("herald_error", answer);
    };
    if (valueDepth(raw, this.core.config.limits.maxJsonDepth) > this.core.config.limits.maxJsonDepth) {
      reply("too_deep", `JSON nesting is deeper than ${this.core.config.limits.maxJsonDepth}`);
      return;
    }
    const frame = parseClientFrame({ ...raw, id });
    if (isFrameProblem(frame)) {
      reply(frame.code, frame.error);
      return;
    }
    if (typeof ack === "function") {
      if (transport.pending.size >= this.core.config.limits.maxSubscriptionsPerConnection + 100) {
        reply("rate_limited", "too many requests waiting for an answer");
        return;
      }
      transport.pending.set(id, ack as Ack);
    }
    session.handle(frame as ClientFrame).catch((err) => {
      const e = err instanceof HeraldError ? err : toHeraldError(err);
      this.core.log.error({ err: e }, "socket.io request failed");
    });
  }

  private reapIdle(): void {
    const idleMs = this.core.config.timeouts.idleMs;
    const now = Date.now();
    for (const t of this.transports) {
      if (now - t.session.lastActivity > idleMs) t.session.close(CloseCode.idleTimeout, "idle timeout");
    }
  }

  /** Closes every connection with `code` (shutdown). */
  closeAll(code: number, reason: string): void {
    if (this.idleTimer) clearInterval(this.idleTimer);
    for (const t of this.transports) t.session.close(code, reason);
    this.engine.close();
  }
}
