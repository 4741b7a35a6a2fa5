/**
 * One Socket.IO socket as a Herald transport: frames out as Socket.IO events, each Herald event
 * encoded once for every socket it reaches (with its stream offset last when connection state
 * recovery is on). Used by `socketio.ts`, which accepts the sockets.
 */
import { type ClientFrame, CloseCode, type HeraldEvent, type ServerFrame } from "@herald/protocol";
import type { Socket } from "socket.io";
import { Encoder, PacketType } from "socket.io-parser";
import WebSocket from "ws";
import type { GatewayCore } from "../core.js";
import type { OutboundEvent } from "../hub/outbound.js";
import { InboundRate } from "../limits/inbound-rate.js";
import type { Session } from "../session.js";
import { type Answer, answerFrame } from "./answer.js";
import { socketIoEventName } from "./socketio-names.js";
import { type ResumeTracker, SocketIoRecovery } from "./socketio-recovery.js";
import type { Transport } from "./transport.js";

const encoder = new Encoder();

/** A Socket.IO acknowledgement callback. */
export type Ack = (answer: unknown) => void;

/** `ws`'s frame builder, as Socket.IO's own broadcast uses it to frame a packet once for all sockets. */
const frameOf = (WebSocket as unknown as { Sender?: { frame?: (data: Buffer, options: object) => Buffer[] } }).Sender
  ?.frame;

/** One Herald event as Socket.IO packets, and as a finished WebSocket frame when it fits in one. */
interface EncodedEvent {
  packets: string[];
  /** Passed to engine.io as `wsPreEncodedFrame`: WebSocket sockets send it without encoding again. */
  options: { wsPreEncodedFrame?: Buffer[] };
}

/** How events are named and whether they carry their stream offset (one setting per endpoint). */
export interface EventEncoding {
  names: Readonly<Record<string, string>>;
  /** Append the stream offset as the last argument (connection state recovery). */
  offset: boolean;
}

/** The Socket.IO event name and encoded packet of one Herald event (built once per event). */
function encodeEvent(e: HeraldEvent, how: EventEncoding): EncodedEvent {
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
  const name = socketIoEventName(e.event, how.names);
  const data = how.offset ? [name, e.data ?? null, meta, String(e.offset)] : [name, e.data ?? null, meta];
  const packets = encoder.encode({ type: PacketType.EVENT, nsp: "/", data }) as string[];
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

/** One Socket.IO socket as the transport of one Herald session. */
export class SocketIoTransport implements Transport {
  readonly kind = "socketio";
  session!: Session;
  /** Requests handed to the session and not answered yet: the ack callback, and whether it is an `authenticate`. */
  readonly pending = new Map<ClientFrame, { ack: Ack | undefined; auth: boolean }>();
  established = false;
  /** The inbound request rate (the same token bucket as native frames). */
  readonly rate: InboundRate;
  /** Resolves once the session is open; requests that arrive earlier wait for it, in order. */
  opening: Promise<void> | undefined;
  /** What a resume of this session needs (connection state recovery on). */
  tracker: ResumeTracker | undefined;
  /** Subscriptions a resume restored that the client has not subscribed to again yet. */
  readonly restored = new Set<string>();
  /** What each configured subscribe event (`socketio.subscribeEvents`) holds now: topic and filter key. */
  readonly preferences = new Map<string, { topic: string; key: string }>();
  private queued = 0;
  private overflowed = false;

  constructor(
    readonly socket: Socket,
    private readonly core: GatewayCore,
    private readonly encoding: EventEncoding,
    private readonly recovery: SocketIoRecovery | undefined,
  ) {
    const limits = core.config.limits;
    this.maxOutbound = limits.maxOutboundBytes;
    this.rate = new InboundRate(limits);
    // Bytes we wrote that still sit in engine.io's write buffer; `flush` hands them to the wire.
    socket.conn.on("flush", (packets: Array<{ type: string; data?: unknown }>) => {
      let n = 0;
      for (const p of packets) if (p.type === "message") n += byteLength(p.data);
      this.queued = Math.max(0, this.queued - n);
    });
  }

  private readonly maxOutbound: number;

  /** The stream offset every event up to which this session has been sent (its resume cursor). */
  get cursor(): string {
    return String(this.core.hub.lastOffset);
  }

  get buffered(): number {
    const wire = this.socket.conn.transport as unknown as { socket?: { bufferedAmount?: number } };
    return this.queued + (wire.socket?.bufferedAmount ?? 0);
  }

  /**
   * Emits a Socket.IO event (control traffic: serialised per call, rare). A `cursor` goes last,
   * where an unchanged client takes its recovery offset from.
   */
  emit(name: string, data: unknown, cursor?: string): void {
    if (!this.socket.connected || this.overflowed) return;
    this.queued += 64;
    if (cursor === undefined) this.socket.emit(name, data);
    else this.socket.emit(name, data, cursor);
  }

  send(frame: ServerFrame): void {
    if (this.tracker?.follow(frame, this.session.user, this.core.hub.lastOffset)) {
      this.recovery?.save(this.tracker, this.session);
    }
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
        this.emit("connection_established", info, this.tracker && this.cursor);
        if (frame.user !== undefined) this.emit("authenticated", { user_id: frame.user, session_id: frame.client });
        return;
      }
      case "error": {
        // An error that answers no request this transport asked (a frame refused before it was read).
        const { id, type: _type, ...fields } = frame;
        const authProblem = frame.code === "unauthorized" || frame.code === "token_expired";
        this.emit(id === undefined && authProblem && !this.session.user ? "auth_error" : "herald_error", fields);
        return;
      }
      case "ack":
      case "pong":
        return; // answers come through `answer`
      case "disconnect":
        this.emit("server_disconnect", { code: frame.code, reason: frame.reason, reconnect: frame.reconnect });
        return;
      default:
        this.emit(frame.type, frame);
    }
  }

  /** Remembers a request handed to the session: its answer goes to `ack`, and an `authenticate` also emits `authenticated` / `auth_error`. */
  ask(request: ClientFrame, ack: Ack | undefined, auth: boolean): void {
    this.pending.set(request, { ack, auth });
  }

  answer(request: ClientFrame, answer: Answer): void {
    const asked = this.pending.get(request);
    this.pending.delete(request);
    if (this.tracker?.answered(request, answer, this.session.user, this.core.hub.lastOffset)) {
      this.recovery?.save(this.tracker, this.session);
    }
    if (answer.kind === "pong") {
      const pong = { timestamp: Date.now() };
      this.emit("pong", pong);
      asked?.ack?.(pong);
      return;
    }
    if (answer.kind === "ack") {
      if (asked?.auth) this.emit("authenticated", { user_id: this.session.user, session_id: this.session.id });
      asked?.ack?.({ ok: true, ...answer.ack });
      return;
    }
    const { type: _type, ...fields } = answerFrame(undefined, answer);
    if (asked?.auth) this.emit("auth_error", { code: answer.code, error: answer.message });
    if (asked?.ack !== undefined) asked.ack({ ok: false, ...fields });
    else if (!asked?.auth) this.emit("herald_error", fields);
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
    const encoded = out.memo("socketio", (e) => encodeEvent(e, this.encoding));
    for (const packet of encoded.packets) {
      this.queued += packet.length;
      this.socket.conn.write(packet, encoded.options as never);
    }
  }

  close(code: number, _reason: string): void {
    if (this.tracker !== undefined) SocketIoRecovery.closedWith(this.tracker, code);
    if (this.socket.connected) this.socket.disconnect(true);
  }
}
