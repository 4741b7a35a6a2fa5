/**
 * Node entry point (`@herald/client/node`): the same client, using the global WebSocket when
 * the runtime has one (Node 22+) and the `ws` package otherwise. Browsers import the main entry,
 * which never references `ws`.
 */
import { WebSocket as WsWebSocket } from "ws";
import { HeraldClient } from "./client.js";
import type { ClientOptions, WebSocketConstructor } from "./options.js";
import type { TopicMap } from "./topic-map.js";

export * from "./index.js";

/** Creates a client for Node (not yet connected: call `connect()`); `M` as for `createClient`. */
// biome-ignore lint/complexity/noBannedTypes: `{}` is the empty map: no name is typed
export function createNodeClient<M extends TopicMap = {}>(options: ClientOptions): HeraldClient<M> {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  return new HeraldClient<M>({ ...options, WebSocket: options.WebSocket ?? global ?? WsWebSocket });
}
