/**
 * Test support for the client against the real gateway: a gateway on a chosen port (to
 * restart one on the same port), server-side connection kills, and waiting helpers.
 */
import { CloseCode } from "@herald/protocol";
import { WebSocket } from "ws";
import type { HeraldConfigInput } from "../../server/src/config.js";
import { createGateway, type Gateway } from "../../server/src/gateway.js";
import { type Running, startGateway, testConfig } from "../../server/test/helpers.js";
import { waitFor } from "../../server/test/wait-for.js";
import { type ClientOptions, createClient, type HeraldClient } from "../src/index.js";

export { type Running, startGateway };

/** Starts a gateway on 127.0.0.1:`port` (same settings as `startGateway`), for restarts. */
export async function startGatewayOnPort(config: HeraldConfigInput, port: number): Promise<Running> {
  const gateway = createGateway({ defaultMetrics: false, config: testConfig(config) });
  await gateway.listen({ port, host: "127.0.0.1" });
  const url = `http://127.0.0.1:${port}`;
  return { gateway, url, wsUrl: `ws://127.0.0.1:${port}${gateway.config.server.wsPath}`, close: () => gateway.close() };
}

export function portOf(running: Running): number {
  return Number(new URL(running.url).port);
}

/** Kills every connection from the server side: a server-side close (1001, reconnect) or a dropped TCP socket. */
export function killConnections(gateway: Gateway, how: "close" | "terminate"): number {
  const sessions = [...gateway.core.sessions.values()];
  for (const s of sessions) {
    if (how === "close") s.close(CloseCode.goingAway, "killed by the test");
    else (s.transport as unknown as { ws: { terminate(): void } }).ws.terminate();
  }
  return sessions.length;
}

/** A Node client using `ws`, with fast reconnects for tests. */
export function testClient(url: string, options: Partial<ClientOptions> = {}): HeraldClient {
  return createClient({ url, WebSocket, backoff: { minMs: 5, maxMs: 100 }, ...options });
}

/** Polls `check` until it returns true (or throws with `what` after `timeoutMs`): the shared `waitFor`. */
export async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  await waitFor(check, { what, timeout: timeoutMs, interval: 5 });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
