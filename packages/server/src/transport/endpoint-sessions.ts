/**
 * The lifecycle every endpoint shares, written once: accept (a session for the new wire, with
 * where it comes from) → the node's connection limit → cleanup when the wire is gone → close-all
 * at shutdown. Used by the native WebSocket endpoint (and so the configured endpoints), Socket.IO
 * and SSE; each keeps only what is its own (framing, heartbeats, recovery).
 */
import type { IncomingHttpHeaders } from "node:http";
import { CloseCode } from "@herald/protocol";
import type { GatewayCore } from "../core.js";
import { Session } from "../session.js";
import type { Transport } from "./transport.js";

/** A transport that carries one session. */
export interface SessionTransport extends Transport {
  session: Session;
}

/** Where a connection comes from. */
export interface ConnectionOrigin {
  ip: string | undefined;
  /** The request's headers: the backend's hooks may be sent some of them (`hooks.forwardHeaders`). */
  headers: IncomingHttpHeaders;
}

export class EndpointSessions<T extends SessionTransport> implements Iterable<T> {
  private readonly live = new Set<T>();

  constructor(private readonly core: GatewayCore) {}

  /** Connections of this endpoint that are tracked (admitted and not gone). */
  get size(): number {
    return this.live.size;
  }

  [Symbol.iterator](): Iterator<T> {
    return this.live.values();
  }

  /** Whether the node has no room for one more connection (`limits.maxConnections`, every endpoint counted). */
  get full(): boolean {
    return this.core.sessions.size >= this.core.config.limits.maxConnections;
  }

  /** Gives a new connection's transport its session (counted from now on), with where it comes from. */
  create(transport: T & { session?: Session }, origin: ConnectionOrigin): Session {
    const session = new Session(this.core, transport);
    session.ip = origin.ip;
    session.forwarded = this.core.hooks?.forward.pick(origin.headers);
    transport.session = session;
    return session;
  }

  /**
   * Tracks an accepted connection until `gone`. False when the node is over its connection
   * limit: the session is then closed (4xxx `tooManyConnections`) and must not go on.
   */
  admit(transport: T): boolean {
    this.live.add(transport);
    if (this.core.sessions.size <= this.core.config.limits.maxConnections) return true;
    transport.session.close(CloseCode.tooManyConnections, "the node is at its connection limit");
    return false;
  }

  /** Whether `transport` is tracked. */
  has(transport: T): boolean {
    return this.live.has(transport);
  }

  /** The wire is gone: stops tracking and releases everything its session holds (idempotent). */
  gone(transport: T): void {
    this.live.delete(transport);
    transport.session.cleanup();
  }

  /** Closes every tracked connection with `code` (shutdown). */
  closeAll(code: number, reason: string): void {
    for (const t of [...this.live]) t.session.close(code, reason);
  }

  /** Closes the connections idle for longer than `timeouts.idleMs` (0: never). */
  closeIdle(now = Date.now()): void {
    const idleMs = this.core.config.timeouts.idleMs;
    if (idleMs <= 0) return;
    for (const t of [...this.live]) {
      if (now - t.session.lastActivity > idleMs) t.session.close(CloseCode.idleTimeout, "idle timeout");
    }
  }
}
