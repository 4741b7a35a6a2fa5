/**
 * Mounts the transports beyond the native `/ws` (Socket.IO, SSE, configured endpoints) on a
 * gateway, as configured. Each one is an upgrade route and/or a request route plus a
 * shutdown hook; the gateway knows nothing more about them.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { CloseCode } from "@herald/protocol";
import type { GatewayCore } from "../core.js";
import { ConfiguredEndpoints } from "./endpoints.js";
import { SocketIoEndpoint } from "./socketio.js";
import { SseEndpoint } from "./sse.js";

/** What the gateway offers transports (`Gateway` implements it). */
export interface TransportHost {
  addUpgradeRoute(route: (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => boolean): void;
  addRequestRoute(route: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean): void;
  onShutdown(hook: () => void): void;
  /** The Origin allow-list and per-IP connection rate upgrades pass; applied to new SSE and polling connections too. */
  readonly upgradeGuard?: { check(req: IncomingMessage): string | undefined };
}

/** Answers a refused new connection (the guard's raw response) on a plain request; false when refused. */
function admitted(host: TransportHost, req: IncomingMessage, res: ServerResponse): boolean {
  const refusal = host.upgradeGuard?.check(req);
  if (refusal === undefined) return true;
  const [head = "", body = ""] = refusal.split("\r\n\r\n");
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 403);
  const retry = /\r\nRetry-After: (\d+)/i.exec(head)?.[1];
  res.writeHead(status, { "content-type": "application/json", ...(retry ? { "retry-after": retry } : {}) });
  res.end(body);
  return false;
}

export interface InstalledTransports {
  socketio?: SocketIoEndpoint;
  sse?: SseEndpoint;
  endpoints?: ConfiguredEndpoints;
}

export function installTransports(core: GatewayCore, host: TransportHost): InstalledTransports {
  const { socketio, sse, endpoints, timeouts } = core.config;
  const out: InstalledTransports = {};
  const reason = "server shutting down";
  if (socketio.enabled) {
    const io = new SocketIoEndpoint(core, { path: socketio.path });
    host.addUpgradeRoute((req, socket, head, url) => io.handleUpgrade(req, socket, head, url));
    host.addRequestRoute((req, res, url) => {
      if (!io.handles(url)) return false;
      // A request without `sid` opens a new Socket.IO connection (long-polling handshake).
      if (!url.searchParams.has("sid") && !admitted(host, req, res)) return true;
      return io.handleRequest(req, res, url);
    });
    host.onShutdown(() => io.closeAll(CloseCode.goingAway, reason));
    out.socketio = io;
  }
  if (sse.enabled) {
    const endpoint = new SseEndpoint(core, { path: sse.path, retryMs: sse.retryMs });
    host.addRequestRoute((req, res, url) => {
      if (url.pathname !== sse.path) return false;
      return admitted(host, req, res) ? endpoint.handleRequest(req, res, url) : true;
    });
    host.onShutdown(() => endpoint.closeAll(CloseCode.goingAway, reason));
    out.sse = endpoint;
  }
  if (endpoints.length > 0) {
    const configured = new ConfiguredEndpoints(core, endpoints);
    for (const ws of configured.servers)
      host.addUpgradeRoute((req, socket, head, url) => ws.handleUpgrade(req, socket, head, url));
    host.onShutdown(() => {
      for (const ws of configured.servers) {
        ws.closeAll(CloseCode.goingAway, reason);
        setTimeout(() => ws.terminateAll(), timeouts.shutdownMs).unref();
      }
    });
    out.endpoints = configured;
  }
  return out;
}
