/**
 * The native WebSocket transport at `/ws` (the `ws` library), attached to the gateway's HTTP
 * server. JSON text frames in both directions; see docs/protocol.md.
 */
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { type ClientFrame, CloseCode, isFrameProblem, parseClientFrame, type ServerFrame } from "@herald/protocol";
import { type WebSocket, WebSocketServer } from "ws";
import type { GatewayCore } from "../core.js";
import type { OutboundEvent } from "../hub/outbound.js";
import { parseJson } from "../json.js";
import { InboundRate, requestIdOf } from "../limits/inbound-rate.js";
import { type Session, toHeraldError } from "../session.js";
import { type Answer, answerFrame } from "./answer.js";
import { Corker } from "./coalesce.js";
import { deflatedFrame, perMessageDeflate } from "./compression.js";
import type { CompressionConfig } from "./compression-config.js";
import { EndpointSessions } from "./endpoint-sessions.js";
import type { Transport } from "./transport.js";

const OPEN = 1;

/** An unmasked, final WebSocket text frame (RFC 6455 §5.2) around `payload`. */
export function textFrame(payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + len);
  frame[0] = 0x81; // FIN + text
  if (head === 2) frame[1] = len;
  else if (head === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(len), 2);
  }
  payload.copy(frame, head);
  return frame;
}

/**
 * What `ws` keeps private and the pre-framed path must check: nothing of its own may be queued.
 * Typed as possibly absent: should a `ws` release rename them, the checks fail and ws.send is used.
 */
interface WsInternals {
  _socket: Socket;
  _sender?: { _state?: number; _queue?: unknown[]; _firstFragment?: boolean };
}

class WsTransport implements Transport {
  readonly kind = "ws";
  session!: Session;
  alive = true;
  private overflowed = false;
  private readonly corker: Corker;

  constructor(
    readonly ws: WebSocket,
    private readonly maxOutbound: number,
    private readonly route: WsRoute | undefined,
    compression: CompressionConfig | undefined,
  ) {
    this.corker = new Corker((ws as unknown as WsInternals)._socket);
    this.plain = ws.extensions === "";
    // Negotiated on this endpoint's terms (no server context kept): an event compressed once fits every such socket.
    this.deflate = ws.extensions === "permessage-deflate" ? compression : undefined;
  }

  /** No extension (compression) negotiated: a frame's bytes are the same for every socket. */
  private readonly plain: boolean;
  /** permessage-deflate negotiated with this server's parameters. */
  private readonly deflate: CompressionConfig | undefined;

  get buffered(): number {
    return this.ws.bufferedAmount;
  }

  send(frame: ServerFrame): void {
    const route = this.route;
    this.write(route?.encodeFrame ? route.encodeFrame(frame) : Buffer.from(JSON.stringify(frame)));
    if (frame.type === "welcome" && route?.onWelcome) queueMicrotask(() => route.onWelcome?.(this.session));
  }

  answer(request: ClientFrame, answer: Answer): void {
    // A publish without an `id` is fire-and-forget: nothing could match its ack (answers are
    // matched by id), so only a refusal is answered.
    if (answer.kind === "ack" && request.id === undefined && request.type === "publish") return;
    this.send(answerFrame(request.id, answer));
  }

  sendEvent(out: OutboundEvent): void {
    if (this.route?.encodeEvent) this.write(this.route.encodeEvent(out));
    else this.write(out.buffer, out);
  }

  sendBatch(subscription: string, events: readonly OutboundEvent[]): void {
    if (this.route?.encodeEvent) {
      for (const out of events) this.sendEvent(out);
      return;
    }
    let body = `{"type":"batch","topic":${JSON.stringify(subscription)},"events":[`;
    for (let i = 0; i < events.length; i++) body += (i === 0 ? "" : ",") + (events[i] as OutboundEvent).json;
    this.write(Buffer.from(`${body}]}`));
  }

  /**
   * Writes one message. A native event is framed once per event (`out.memo`) and the same bytes
   * go straight to every socket, skipping ws's per-socket framing; that is safe only while ws has
   * nothing of its own queued or half-sent on this socket (it queues only while compressing,
   * which `plain` rules out), so order is kept. Otherwise ws frames it as usual.
   */
  private write(data: Buffer | string, out?: OutboundEvent): void {
    if (this.ws.readyState !== OPEN || this.overflowed) return;
    if (this.ws.bufferedAmount > this.maxOutbound) {
      this.overflowed = true;
      this.session.close(CloseCode.slowConsumer, "outbound buffer overflow: the client reads too slowly");
      return;
    }
    this.corker.hold();
    if (out !== undefined && (this.plain || this.deflate !== undefined)) {
      const internals = this.ws as unknown as WsInternals;
      const sender = internals._sender;
      if (sender?._state === 0 && sender._queue?.length === 0 && sender._firstFragment === true) {
        const c = this.deflate;
        internals._socket.write(
          c === undefined
            ? out.memo("ws.textFrame", () => textFrame(out.buffer))
            : out.memo("ws.deflatedFrame", () => deflatedFrame(out.buffer, c, textFrame)),
        );
        return;
      }
    }
    this.ws.send(data, { binary: false, compress: this.deflate !== undefined });
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState !== OPEN) return;
    this.ws.close(code, reason.slice(0, 120));
    // A peer that never answers the close handshake is cut off.
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }
}

export interface WsEndpointOptions {
  /** Path served, e.g. `/ws`. */
  path: string;
  /** Claims upgrades by URL instead of `path` (configured endpoints): its per-connection hooks, or undefined. */
  route?: (url: URL) => WsRoute | undefined;
  /** permessage-deflate offered on these terms; off when absent. */
  compression?: CompressionConfig;
}

/** Per-connection hooks of an endpoint built on this one (`transport/endpoints.ts`). */
export interface WsRoute {
  /** Encodes a control frame; native JSON when absent. */
  encodeFrame?(frame: ServerFrame): string;
  /** Encodes an event (once per event, with `out.memo`); the native bytes when absent. */
  encodeEvent?(out: OutboundEvent): Buffer;
  /** Runs once the session has a principal (its `welcome` was sent): auto-subscriptions. */
  onWelcome?(session: Session): void;
}

/** Reads a bearer token from the upgrade request: `Authorization` header or `token` query. */
export function upgradeToken(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === "string" && header.toLowerCase().startsWith("bearer ")) return header.slice(7).trim();
  return url.searchParams.get("token") ?? undefined;
}

export class WsEndpoint {
  private readonly wss: WebSocketServer;
  private readonly sessions: EndpointSessions<WsTransport>;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly core: GatewayCore,
    private readonly options: WsEndpointOptions,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: core.config.limits.maxFrameBytes,
      perMessageDeflate: options.compression === undefined ? false : perMessageDeflate(options.compression),
      clientTracking: false,
    });
    this.sessions = new EndpointSessions(core);
    this.heartbeat = setInterval(() => this.beat(), core.config.timeouts.heartbeatMs);
    this.heartbeat.unref();
  }

  get connections(): number {
    return this.sessions.size;
  }

  /** Takes the upgrade when the path is ours; returns false otherwise. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): boolean {
    const route = this.options.route?.(url);
    if (this.options.route ? route === undefined : url.pathname !== this.options.path) return false;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req, url, route));
    return true;
  }

  /** Completes an upgrade only to close it at once with `code` (a refusal a browser can read); no session is made. */
  refuse(req: IncomingMessage, socket: Duplex, head: Buffer, code: number, reason: string): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => ws.close(code, reason));
  }

  private accept(ws: WebSocket, req: IncomingMessage, url: URL, route?: WsRoute): void {
    const transport = new WsTransport(ws, this.core.config.limits.maxOutboundBytes, route, this.options.compression);
    const session = this.sessions.create(transport, { ip: req.socket.remoteAddress, headers: req.headers });
    ws.on("pong", () => {
      transport.alive = true;
    });
    const rate = new InboundRate(this.core.config.limits);
    ws.on("message", (data, isBinary) => {
      if (rate.admitFrom(session, () => requestIdOf(data as Buffer))) this.onMessage(session, data as Buffer, isBinary);
    });
    ws.on("error", (err) => {
      this.core.log.debug({ err, session: session.id }, "websocket error");
    });
    ws.on("close", () => this.sessions.gone(transport));
    if (!this.sessions.admit(transport)) return;
    session.open(upgradeToken(req, url)).catch((err) => {
      this.core.log.error({ err }, "session open failed");
      session.close(CloseCode.internalError, "internal error");
    });
  }

  private onMessage(session: Session, data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      session.error("bad_request", "binary frames are not supported; send JSON text");
      return;
    }
    let value: unknown;
    try {
      value = parseJson(data.toString("utf8"), this.core.config.limits.maxJsonDepth);
    } catch (err) {
      // The frame is not usable, but its id (read as the rate limiter reads it) still tells the
      // client which request failed.
      const e = toHeraldError(err);
      session.error(e.code, e.message, requestIdOf(data));
      return;
    }
    const frame = parseClientFrame(value);
    if (isFrameProblem(frame)) {
      session.error(frame.code, frame.error, frame.id);
      return;
    }
    session.handle(frame).catch((err) => this.core.log.error({ err }, "frame handler failed"));
  }

  private beat(): void {
    for (const t of this.sessions) {
      if (!t.alive) {
        this.core.metrics.disconnects.inc({ code: String(CloseCode.noPong) });
        t.ws.terminate();
      }
    }
    this.sessions.closeIdle();
    for (const t of this.sessions) {
      if (t.session.isClosed || !t.alive) continue;
      t.alive = false;
      t.ws.ping();
    }
  }

  /** Closes every connection with `code` (shutdown) and stops the heartbeat. */
  closeAll(code: number, reason: string): void {
    clearInterval(this.heartbeat);
    this.sessions.closeAll(code, reason);
  }

  /** Forcibly ends connections still open (after the drain time). */
  terminateAll(): void {
    for (const t of this.sessions) t.ws.terminate();
    this.wss.close();
  }
}
