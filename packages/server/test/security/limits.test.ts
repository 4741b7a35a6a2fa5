// Adversarial limit tests against the real server: oversized and deeply nested frames,
// prototype pollution, subscription floods, publish bursts, slow consumers. A bystander must
// keep receiving every event throughout.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { describe, it } from "node:test";
import WebSocket from "ws";
import type { HeraldConfigInput } from "../../src/config.js";
import { postJson, type Running, sleep, startGateway, TestClient } from "../helpers.js";
import { waitFor } from "../wait-for.js";
import { withBystander } from "./bystander.js";

const FRAME_LIMITS = {
  limits: {
    maxFrameBytes: 4096,
    maxJsonDepth: 8,
    maxSubscriptionsPerConnection: 10,
    maxOutboundBytes: 65_536,
    inboundFramesPerSecond: 20,
    inboundFrameBurst: 20,
    rateLimitStrikes: 5,
  },
};

/** A refill slow enough that what the burst admitted is countable on a slow machine. */
const SLOW_REFILL = { limits: { ...FRAME_LIMITS.limits, inboundFramesPerSecond: 1 } };

/** One gateway and bystander per test (`security/bystander.ts`), verified inside the test. */
const withGateway = (body: (run: Running) => Promise<void>, config: HeraldConfigInput = FRAME_LIMITS) =>
  withBystander(config, body);

describe("frame limits", () => {
  it("closes with 1009 on a frame over maxFrameBytes", () =>
    withGateway(async (run) => {
      const c = await TestClient.connect(run.wsUrl);
      c.send({ type: "publish", topic: "chat", data: "x".repeat(5000) });
      assert.equal(await c.closed, 1009);
    }));

  it("answers too_deep to deeply nested JSON and keeps the connection", () =>
    withGateway(async (run) => {
      const c = await TestClient.connect(run.wsUrl);
      const deep = `{"type":"publish","topic":"chat","data":${"[".repeat(500)}${"]".repeat(500)}}`;
      c.send(deep);
      assert.equal((await c.next("error")).code, "too_deep");
      c.send(`${"[".repeat(3000)}`); // unbalanced and deep: refused before parsing
      assert.equal((await c.next("error")).code, "too_deep");
      c.send({ type: "ping", id: "still-there" });
      assert.equal((await c.next("pong")).id, "still-there");
      c.close();
    }));

  it("strips __proto__ and constructor.prototype from frames and HTTP bodies", () =>
    withGateway(async (run) => {
      const c = await TestClient.connect(run.wsUrl);
      await c.request({ type: "subscribe", topic: "pollute" });
      c.send(
        '{"type":"publish","topic":"pollute","id":"p1","data":{"a":1,"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}}',
      );
      const ack = await c.next((f) => f.id === "p1");
      assert.equal(ack.type, "ack");
      const e = await c.next("event");
      assert.deepEqual(e.data, { a: 1 });
      const http = await postJson(
        `${run.url}/api/publish`,
        '{"topic":"pollute","data":{"b":2,"__proto__":{"polluted":"yes"}},"__proto__":{"isAdmin":true}}',
      );
      assert.equal(http.status, 200, JSON.stringify(http.body));
      assert.deepEqual((await c.next("event")).data, { b: 2 });
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
      c.close();
    }));

  it("refuses subscriptions past the per-connection limit", () =>
    withGateway(async (run) => {
      const c = await TestClient.connect(run.wsUrl);
      for (let i = 0; i < 10; i++)
        assert.equal((await c.request({ type: "subscribe", topic: `flood.${i}` })).type, "ack");
      for (let i = 10; i < 13; i++) {
        assert.equal((await c.request({ type: "subscribe", topic: `flood.${i}` })).code, "too_many_subscriptions");
      }
      c.close();
    }));

  it("drops frames over the inbound rate with rate_limited, then closes 4003 on repeated excess", () =>
    withGateway(async (run) => {
      const c = await TestClient.connect(run.wsUrl);
      const start = Date.now();
      for (let i = 0; i < 200; i++) c.send({ type: "publish", topic: "burst", data: i, id: `b${i}` });
      assert.equal(await c.closed, 4003);
      const elapsed = Date.now() - start;
      const limited = c.frames.filter((f) => f.type === "error" && f.code === "rate_limited").length;
      assert.equal(limited, 4, "strikes before the close are answered with rate_limited");
      const disconnect = c.frames.find((f) => f.type === "disconnect");
      assert.deepEqual([disconnect?.code, disconnect?.reconnect], [4003, true]);
      // Every acknowledged publish is stored (those still in flight at the close may follow).
      const acked = c.frames.filter((f) => f.type === "ack").length;
      const history = async () =>
        (await run.gateway.core.engine.broker.history("burst", { limit: 1000 })).events.map((e) => e.data);
      const stored = await waitFor(async () => ((await history()).length >= acked ? history() : undefined), {
        what: `the ${acked} acknowledged publishes in history`,
      });
      // Only the burst (20) was admitted, plus what refilled (1/s here) while the frames arrived.
      const refills = Math.ceil(elapsed / 1000);
      assert.ok(stored.length >= 20 && stored.length <= 20 + refills, `stored ${stored.length} in ${elapsed} ms`);
      assert.deepEqual(stored, [...stored.keys()], "the admitted frames are the first ones, in order");
    }, SLOW_REFILL));

  it("disconnects a slow consumer (4002) without hurting others", () =>
    withGateway(async (run) => {
      const slow = await TestClient.connect(run.wsUrl);
      await slow.request({ type: "subscribe", topic: "firehose" });
      const socket = (slow.ws as unknown as { _socket: { pause(): void } })._socket;
      socket.pause(); // stops reading: the kernel buffers fill, then the server's queue
      const before = run.gateway.core.sessions.size;
      const big = "y".repeat(60_000);
      for (let i = 0; i < 2000 && run.gateway.core.sessions.size === before; i++) {
        await run.gateway.publish("firehose", big);
        if (i % 20 === 0) await sleep(1);
      }
      assert.equal(run.gateway.core.sessions.size, before - 1, "the slow consumer was not disconnected");
      const closes = await run.gateway.core.metrics.disconnects.get();
      assert.equal(closes.values.find((v) => v.labels.code === "4002")?.value, 1);
      slow.ws.terminate();
    }));
});

/** Opens a raw upgrade; resolves with "open" or the HTTP status it was refused with. */
function upgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ result: "open" | number; retryAfter?: string; ws: WebSocket }> {
  const ws = new WebSocket(url, { headers });
  ws.on("error", () => {});
  return new Promise((resolve) => {
    ws.on("open", () => resolve({ result: "open", ws }));
    ws.on("unexpected-response", (_req, res) => {
      const retry = res.headers["retry-after"];
      resolve(
        retry === undefined
          ? { result: res.statusCode ?? 0, ws }
          : { result: res.statusCode ?? 0, retryAfter: String(retry), ws },
      );
      res.resume();
    });
  });
}

describe("upgrade limits", () => {
  it("refuses an evil Origin with a 4504 close a browser can read, admits allowed and same-origin ones", () =>
    withGateway(
      async (run) => {
        const sessionsBefore = run.gateway.core.sessions.size;
        for (const origin of ["https://evil.example", "https://app.example.com.evil.example"]) {
          const evil = await upgrade(run.wsUrl, { origin });
          assert.equal(evil.result, "open", "the upgrade completes only to carry the refusal");
          const [code, reason] = await new Promise<[number, string]>((r) =>
            evil.ws?.once("close", (c: number, why: Buffer) => r([c, why.toString()])),
          );
          assert.deepEqual([code, reason], [4504, "origin not allowed"]);
        }
        assert.equal(run.gateway.core.sessions.size, sessionsBefore, "no session was made for the refused ones");
        for (const origin of ["https://app.example.com", "https://eu.trusted.example", run.url]) {
          const ok = await upgrade(run.wsUrl, { origin });
          assert.equal(ok.result, "open", origin);
          ok.ws.close();
        }
        assert.equal(run.gateway.upgradeGuard.refused.origin, 2);
      },
      { server: { allowedOrigins: ["https://app.example.com", "https://*.trusted.example"] } },
    ));

  it("refuses an evil Origin with 403 before the upgrade with server.originRefusal: http", () =>
    withGateway(
      async (run) => {
        const evil = await upgrade(run.wsUrl, { origin: "https://evil.example" });
        assert.equal(evil.result, 403);
        assert.equal(run.gateway.upgradeGuard.refused.origin, 1);
      },
      { server: { allowedOrigins: ["https://app.example.com"], originRefusal: "http" } },
    ));

  it("answers 429 with Retry-After to a connection flood from one address", () => {
    const start = Date.now();
    return withGateway(
      async (run) => {
        // The bystander took one connection from the burst of 10.
        const results = await Promise.all(Array.from({ length: 40 }, () => upgrade(run.wsUrl)));
        const refills = Math.ceil((Date.now() - start) / 1000); // 1 a second
        const opened = results.filter((r) => r.result === "open");
        const refused = results.filter((r) => r.result === 429);
        assert.equal(opened.length + refused.length, 40);
        assert.ok(opened.length >= 9 && opened.length <= 9 + refills, `opened ${opened.length}, refills ${refills}`);
        assert.ok(refused.length > 0 && refused.every((r) => Number(r.retryAfter) >= 1));
        for (const r of results) r.ws.terminate();
      },
      // A slow refill, so that what the burst admitted is countable on a slow machine.
      { limits: { connectionsPerIpPerSecond: 1, connectionBurstPerIp: 10 } },
    );
  });
});

const HTTP_LIMITS: HeraldConfigInput = {
  limits: { httpRequestsPerSecond: 5 },
  timeouts: { httpHeadersMs: 300, httpRequestMs: 1000 },
  auth: {
    apiKeys: ["full-access-key-0123456789"],
    scopedApiKeys: [{ name: "orders-service", key: "orders-only-key-0123456789", publish: ["orders"], read: [] }],
  },
};

/** One gateway per test, so no test inherits another's rate bucket. */
async function withHttpGateway(config: HeraldConfigInput, body: (run: Running) => Promise<void>): Promise<void> {
  const run = await startGateway(config);
  try {
    await body(run);
  } finally {
    await run.close();
  }
}

describe("HTTP limits", () => {
  it("rate-limits HTTP requests per IP with 429, rate_limited and Retry-After", () => {
    const start = Date.now();
    return withHttpGateway(HTTP_LIMITS, async (run) => {
      const res = await Promise.all(
        Array.from({ length: 12 }, () =>
          fetch(`${run.url}/api/info`, { headers: { "x-api-key": "full-access-key-0123456789" } }),
        ),
      );
      const refills = Math.ceil(((Date.now() - start) / 1000) * 5);
      const limited = res.filter((r) => r.status === 429);
      const passed = res.filter((r) => r.status === 200).length;
      // Burst of 5, refilling at 5/s while the 12 requests run: no more pass than that allows.
      assert.equal(limited.length + passed, 12);
      assert.ok(passed >= 5 && passed <= 5 + refills, `200s: ${passed}, refills ${refills}`);
      assert.ok(limited.length >= 1, `429s: ${limited.length}`);
      const body = (await limited[0]?.json()) as { code: string };
      assert.equal(body.code, "rate_limited");
      assert.ok(Number(limited[0]?.headers.get("retry-after")) >= 1);
      assert.equal((await fetch(`${run.url}/healthz`)).status, 200, "health probes are exempt");
    });
  });

  it("limits a scoped API key to its topics and to topic routes", () =>
    // A rate limit this test never reaches: it is about scopes.
    withHttpGateway({ ...HTTP_LIMITS, limits: { httpRequestsPerSecond: 1000 } }, async (run) => {
      const h = { "x-api-key": "orders-only-key-0123456789" };
      assert.equal((await postJson(`${run.url}/api/publish`, { topic: "orders.42", data: 1 }, h)).status, 200);
      const other = await postJson(`${run.url}/api/publish`, { topic: "payments.1", data: 1 }, h);
      assert.deepEqual([other.status, other.body.code], [403, "forbidden"]);
      const outside = await postJson(`${run.url}/api/publish`, { topic: "ordersX.1", data: 1 }, h);
      assert.equal(outside.status, 403, "prefixes match whole segments");
      const batch = await postJson(
        `${run.url}/api/publish/batch`,
        {
          events: [
            { topic: "orders.1", data: 1 },
            { topic: "user.bob", data: 1 },
          ],
        },
        h,
      );
      assert.equal(batch.status, 403);
      assert.equal((await fetch(`${run.url}/api/info`, { headers: h })).status, 403);
      assert.equal((await fetch(`${run.url}/api/topics/orders.42/history`, { headers: h })).status, 403);
    }));

  it("cuts a slowloris upgrade that never finishes its headers", () =>
    withHttpGateway(HTTP_LIMITS, async (run) => {
      const port = Number(new URL(run.url).port);
      const socket = connect(port, "127.0.0.1");
      socket.on("error", () => {});
      await new Promise((r) => socket.once("connect", r));
      socket.write("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n");
      const timer = setInterval(() => socket.write("X-Slow: 1\r\n"), 100);
      let answer = "";
      socket.on("data", (d) => {
        answer += d.toString();
      });
      await new Promise((r) => socket.once("close", r));
      clearInterval(timer);
      assert.match(answer, /^HTTP\/1\.1 408/);
      assert.equal((await fetch(`${run.url}/healthz`)).status, 200);
    }));
});
