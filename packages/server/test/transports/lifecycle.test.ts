// Connection lifecycle on Socket.IO and SSE: the connection limit, idle timeout, and graceful
// shutdown (clients are told to reconnect, with 1001).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { io, type Socket } from "socket.io-client";
import { startGateway, TestClient } from "../helpers.js";

function next<T>(socket: Socket, event: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no "${event}"`)), 15_000);
    socket.once(event, (v: T) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

describe("Socket.IO and SSE lifecycle", () => {
  it("enforces the node's connection limit on every transport (4007 / 503)", async () => {
    const g = await startGateway({ limits: { maxConnections: 1 } });
    const native = await TestClient.connect(g.wsUrl);
    const socket = io(g.url, { reconnection: false, forceNew: true, transports: ["websocket"] });
    try {
      const bye = await next<{ code: number; reconnect: boolean }>(socket, "server_disconnect");
      assert.deepEqual([bye.code, bye.reconnect], [4007, true]);
      const sse = await fetch(`${g.url}/sse?topic=a`);
      assert.deepEqual([sse.status, ((await sse.json()) as { code: string }).code], [503, "unavailable"]);
    } finally {
      socket.disconnect();
      native.close();
      await g.close();
    }
  });

  it("closes idle Socket.IO sockets with 4004", async () => {
    const g = await startGateway({ timeouts: { idleMs: 200, heartbeatMs: 100 } });
    const socket = io(g.url, { reconnection: false, forceNew: true, transports: ["websocket"] });
    try {
      const bye = await next<{ code: number }>(socket, "server_disconnect");
      assert.equal(bye.code, 4004);
    } finally {
      socket.disconnect();
      await g.close();
    }
  });

  it("tells Socket.IO and SSE clients to reconnect elsewhere on shutdown (1001)", async () => {
    const g = await startGateway();
    const socket = io(g.url, { reconnection: false, forceNew: true, transports: ["websocket"] });
    await next(socket, "connection_established");
    const res = await fetch(`${g.url}/sse?topic=a`);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes("event: ready")) text += new TextDecoder().decode((await reader.read()).value);
    const bye = next<{ code: number; reconnect: boolean }>(socket, "server_disconnect");
    const closing = g.close();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await closing;
    assert.deepEqual(await bye, { code: 1001, reason: "server shutting down", reconnect: true });
    assert.match(text, /event: disconnect\ndata: \{"type":"disconnect","code":1001,/);
    socket.disconnect();
  });
});
