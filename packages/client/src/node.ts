/**
 * Node entry point (`@herald/client/node`): the same client, using the global WebSocket when
 * the runtime has one (Node 22+) and the `ws` package otherwise. Browsers import the main entry,
 * which never references `ws`.
 */
import { WebSocket as WsWebSocket } from "ws";
import { HeraldClient } from "./client.js";
import type { ClientOptions, WebSocketConstructor } from "./options.js";

export * from "./index.js";

/** Creates a client for Node (not yet connected: call `connect()`). */
export function createNodeClient(options: ClientOptions): HeraldClient {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  return new HeraldClient({ ...options, WebSocket: options.WebSocket ?? global ?? WsWebSocket });
}
