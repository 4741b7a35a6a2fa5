/**
 * What a session needs from a wire. Each transport (native WebSocket, Socket.IO, SSE) adapts
 * its connection to this; the session never knows which one it has.
 */
import type { ClientFrame, ServerFrame } from "@herald/protocol";
import type { OutboundEvent } from "../hub/outbound.js";
import type { Answer } from "./answer.js";

export interface Transport {
  /** `ws`, `socketio`, `sse`: used as a metrics label. */
  readonly kind: string;
  /** Sends a control frame (serialised per call; these are rare). */
  send(frame: ServerFrame): void;
  /**
   * Renders the session's answer to `request`, the very frame object the transport handed to
   * `Session.handle` (so a transport keeps what it needs about a request by that object, never
   * by an id it made up). Anything the answer must precede (a subscription's replay) is sent
   * right after this returns.
   */
  answer(request: ClientFrame, answer: Answer): void;
  /** Sends an event using the shared serialisation in `out`. */
  sendEvent(out: OutboundEvent): void;
  /**
   * Sends the events of one rate-limited `batch` subscription's interval together (the native
   * protocol's `batch` frame). Transports without such a frame leave it out; the session then
   * sends the events one after the other.
   */
  sendBatch?(subscription: string, events: readonly OutboundEvent[]): void;
  /** Bytes queued and not yet written to the peer. */
  readonly buffered: number;
  /** Closes the wire with a close code (after a `disconnect` frame where the wire has one). */
  close(code: number, reason: string): void;
}
