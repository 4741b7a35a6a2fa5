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
      const start = Date.now();
      await new Promise((r) => socket.once("connection_established", r));
      let closeCode: number | undefined;
      const closed = new Promise<void>((r) =>
        socket.once("server_disconnect", (d: { code: number }) => {
          closeCode = d.code;
          r();
        }),
      );
      // Pings until the server closes; the third strike closes without an answer.
      const answers: string[] = [];
      while (closeCode === undefined && answers.length < 50) {
        const answer = await Promise.race([socket.emitWithAck("ping") as Promise<{ code?: string }>, closed]);
        if (answer) answers.push(answer.code ?? "ok");
      }
      assert.equal(closeCode, 4003);
      // The burst of 3 passes; the bucket refills 1 a second, so a slow machine may admit a
      // few more — never more than the time allows — and the 2 strikes before the close are refused.
      const refills = Math.floor((Date.now() - start) / 1000);
      assert.deepEqual(answers.slice(0, 3), ["ok", "ok", "ok"]);
      assert.ok(answers.filter((a) => a === "ok").length <= 3 + refills, answers.join());
      assert.deepEqual(answers.slice(-2), ["rate_limited", "rate_limited"]);
      if (refills === 0) assert.deepEqual(answers, ["ok", "ok", "ok", "rate_limited", "rate_limited"]);
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
      const start = Date.now(); // the address's bucket starts full with the first request
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${g.url}/sse?topic=a`, { headers: { "last-event-id": "x" } }); // 400 after the guard
        statuses.push(res.status);
        await res.text();
      }
      // A burst of 2 passes the guard; the rest is refused, but for what refilled (1/s) meanwhile.
      const refills = Math.floor((Date.now() - start) / 1000);
      assert.deepEqual(statuses.slice(0, 2), [400, 400]);
      const passed = statuses.filter((s) => s === 400).length;
      assert.ok(passed <= 2 + refills, statuses.join());
      assert.ok(
        statuses.every((s) => s === 400 || s === 429),
        statuses.join(),
      );
      if (refills === 0) assert.deepEqual(statuses, [400, 400, 429, 429, 429, 429]);
    } finally {
      await g.close();
    }
  });
});
