/**
 * An unchanged `socket.io-client` 4.8 as a product writes it (default options, `auth` with a
 * token), recording what it handles, and the ways a test cuts its connection from the server.
 */

import type { Socket as ServerSocket } from "socket.io";
import { io, type Socket } from "socket.io-client";
import type { Running } from "../helpers.js";

/** Resolves when `cond` holds; rejects naming `what` after `ms`. Checked on every event. */
export function until(socket: Socket, what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    // `onAny` listeners run before the event's own listeners: look once those have run.
    const later = () => queueMicrotask(check);
    const check = () => {
      if (!cond()) return;
      clearTimeout(timer);
      socket.offAny(later);
      socket.off("connect", later);
      resolve();
    };
    const timer = setTimeout(() => {
      socket.offAny(later);
      socket.off("connect", later);
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    socket.onAny(later);
    socket.on("connect", later);
    check();
  });
}

/** The client, and every event it handled as `name:value` (value: the data's `i`). */
export class LegacyClient {
  readonly socket: Socket;
  readonly seen: string[] = [];
  connects = 0;
  /** `connection_established` events: the session is open (and its implicit topics bound). */
  established = 0;

  constructor(url: string, token: string, names: string[], extra: Record<string, unknown> = {}) {
    this.socket = io(url, { auth: { token }, ...extra });
    for (const name of names) {
      this.socket.on(name, (data: { i?: unknown } | null) => this.seen.push(`${name}:${String(data?.i)}`));
    }
    this.socket.on("connect", () => this.connects++);
    this.socket.on("connection_established", () => this.established++);
  }

  /** Waits for the (next) connection. */
  connected(n = 1): Promise<void> {
    return until(this.socket, `connection #${n}`, () => this.connects >= n && this.socket.connected);
  }

  /** Waits for the `n`th `connection_established`: a fresh session is then subscribed to its user's topic. */
  sessionOpen(n: number): Promise<void> {
    return until(this.socket, `connection_established #${n}`, () => this.established >= n);
  }

  /** Waits until `n` events were handled. */
  received(n: number): Promise<void> {
    return until(this.socket, `${n} events (have ${this.seen.length})`, () => this.seen.length >= n);
  }

  /** Waits until the client runs on WebSocket (after Socket.IO's upgrade from long-polling). */
  upgraded(): Promise<void> {
    const engine = this.socket.io.engine;
    if (engine.transport.name === "websocket") return Promise.resolve();
    return new Promise((resolve) => engine.once("upgrade", () => resolve()));
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** The server side of the gateway's only Socket.IO connection. */
export function serverSocket(g: Running): ServerSocket {
  const sockets = [...(g.gateway.transports.socketio?.io.sockets.sockets.values() ?? [])];
  if (sockets.length !== 1) throw new Error(`expected one Socket.IO connection, found ${sockets.length}`);
  return sockets[0] as ServerSocket;
}

/** Closes the engine.io connection under the socket (as a proxy or load balancer timing out does). */
export function engineClose(s: ServerSocket): void {
  s.conn.close();
}

/** Destroys the TCP connection of a WebSocket transport without a close frame. */
export function tcpDrop(s: ServerSocket): void {
  const ws = (s.conn.transport as unknown as { socket?: { _socket?: { destroy(): void } } }).socket;
  if (ws?._socket === undefined) throw new Error(`no TCP socket under transport ${s.conn.transport.name}`);
  ws._socket.destroy();
}
