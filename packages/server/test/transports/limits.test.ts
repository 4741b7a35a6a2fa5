// The same limits on every transport: the inbound request rate on Socket.IO, the Origin
// allow-list and per-IP connection rate on new SSE and Socket.IO long-polling connections.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { io } from "socket.io-client";
import { startGateway } from "../helpers.js";

describe("transport limits", () => {
  it("rate-limits Socket.IO requests with rate_limited, then closes with 4003", async () => {
    const g = await startGateway({ limits: { inboundFramesPerSecond: 1, inboundFrameBurst: 3, rateLimitStrikes: 3 } });
    const socket = io(g.url, { reconnection: false, forceNew: true, transports: ["websocket"] });
    try {
      await new Promise((r) => socket.once("connection_established", r));
      const closed = new Promise<{ code: number }>((r) => socket.once("server_disconnect", r));
      const answers: Array<{ code?: string; timestamp?: number }> = [];
      for (let i = 0; i < 5; i++) answers.push((await socket.emitWithAck("ping")) as { code?: string });
      assert.deepEqual(
        answers.map((a) => a.code ?? "ok"),
        ["ok", "ok", "ok", "rate_limited", "rate_limited"],
      );
      socket.emit("ping");
      assert.equal((await closed).code, 4003);
    } finally {
      socket.disconnect();
      await g.close();
    }
  });

  it("applies the Origin allow-list to SSE and to Socket.IO long-polling handshakes", async () => {
    const g = await startGateway({ server: { allowedOrigins: ["https://app.example.com"] } });
    try {
      const bad = { origin: "https://evil.example.com" };
      const sse = await fetch(`${g.url}/sse?topic=a`, { headers: bad });
      assert.deepEqual([sse.status, ((await sse.json()) as { code: string }).code], [403, "forbidden"]);
      const poll = await fetch(`${g.url}/socket.io/?EIO=4&transport=polling`, { headers: bad });
      assert.deepEqual([poll.status, ((await poll.json()) as { code: string }).code], [403, "forbidden"]);
      const good = { origin: "https://app.example.com" };
      const ok = await fetch(`${g.url}/socket.io/?EIO=4&transport=polling`, { headers: good });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get("access-control-allow-origin"), good.origin);
      await ok.text();
      const ctl = new AbortController();
      const stream = await fetch(`${g.url}/sse?topic=a`, { headers: good, signal: ctl.signal });
      assert.equal(stream.status, 200);
      assert.equal(stream.headers.get("access-control-allow-origin"), good.origin);
      ctl.abort();
    } finally {
      await g.close();
    }
  });

  it("applies the per-IP connection rate to new SSE connections", async () => {
    const g = await startGateway({ limits: { connectionsPerIpPerSecond: 1, connectionBurstPerIp: 2 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${g.url}/sse?topic=a`, { headers: { "last-event-id": "x" } }); // 400 after the guard
        statuses.push(res.status);
        await res.text();
      }
      assert.deepEqual(statuses, [400, 400, 429]);
    } finally {
      await g.close();
    }
  });
});
