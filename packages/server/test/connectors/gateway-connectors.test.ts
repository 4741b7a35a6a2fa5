/**
 * Connectors wired into a real gateway: built from `connectors[]`, started and stopped with it,
 * listed in `/api/info` and `/readyz`, counted in `/metrics`, and the webhook route over HTTP.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { Redis } from "ioredis";
import { ConfigError, resolveConfig } from "../../src/config.js";
import { signWebhook } from "../../src/connectors/webhook.js";
import { createGateway } from "../../src/gateway.js";
import { getJson, startGateway, TestClient } from "../helpers.js";
import { freePort } from "./private-servers.js";
import { unique, waitUntil } from "./support.js";

const REDIS = process.env.HERALD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const SECRET = "gateway-secret-0123456789";

function signed(body: string, secret = SECRET, ts = Math.floor(Date.now() / 1000)): Record<string, string> {
  return {
    "content-type": "application/json",
    "x-herald-timestamp": String(ts),
    "x-herald-signature": signWebhook(secret, ts, body),
  };
}

describe("connectors in the gateway", () => {
  const redis = new Redis(REDIS);
  const streams: string[] = [];
  after(async () => {
    for (const s of streams) await redis.del(s);
    redis.disconnect();
  });

  it("starts configured connectors, reports them, and publishes what they read", async () => {
    const id = unique();
    const stream = `herald-test:gw:${id}`;
    streams.push(stream);
    const g = await startGateway({
      connectors: [
        { type: "webhook", name: "hook", topic: `w${id}.{data.kind}`, options: { secret: SECRET } },
        {
          type: "redis-stream",
          name: "orders",
          topic: `o${id}.{data.region}`,
          event: "order",
          options: { url: REDIS, streams: [stream], group: `g${id}`, blockMs: 100 },
        },
      ],
    });
    try {
      const client = await TestClient.connect(g.wsUrl);
      client.send({ type: "subscribe", id: "1", topic: `w${id}.>` });
      client.send({ type: "subscribe", id: "2", topic: `o${id}.>` });
      await client.next((f) => f.type === "ack" && f.id === "2");

      const body = JSON.stringify({ kind: "push", value: 1 });
      const res = await fetch(`${g.url}/api/ingest/hook`, { method: "POST", headers: signed(body), body });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { status: string }).status, "published");
      const pushed = await client.next("event");
      assert.equal(pushed.topic, `w${id}.push`);
      assert.equal(pushed.source, "hook");

      await redis.xadd(stream, "*", "data", JSON.stringify({ region: "eu", total: 3 }));
      const order = await client.next("event");
      assert.equal(order.topic, `o${id}.eu`);
      assert.equal(order.event, "order");
      assert.equal(order.source, "orders");
      assert.deepEqual(order.data, { region: "eu", total: 3 });
      client.ws.close();

      const info = await getJson(`${g.url}/api/info`);
      const listed = info.body.connectors as Array<{ name: string; type: string; state: string; accepted: number }>;
      assert.deepEqual(
        listed.map((c) => [c.name, c.type, c.state, c.accepted]),
        [
          ["hook", "webhook", "running", 1],
          ["orders", "redis-stream", "running", 1],
        ],
      );
      const ready = await getJson(`${g.url}/readyz`);
      assert.equal(ready.status, 200);
      const metrics = await (await fetch(`${g.url}/metrics`)).text();
      assert.match(metrics, /herald_connector_accepted_total\{connector="orders"\} 1/);
      assert.match(metrics, /herald_connector_up\{connector="hook"\} 1/);
    } finally {
      await g.close();
    }
  });

  it("refuses unsigned, badly signed, stale and replayed webhooks with stable codes", async () => {
    const g = await startGateway({
      connectors: [{ type: "webhook", name: "hook", options: { secret: SECRET, toleranceSeconds: 60 } }],
    });
    try {
      const body = JSON.stringify({ a: 1 });
      const post = (headers: Record<string, string>, name = "hook") =>
        fetch(`${g.url}/api/ingest/${name}`, { method: "POST", headers, body }).then(async (r) => ({
          status: r.status,
          code: ((await r.json()) as { code?: string }).code,
        }));
      assert.deepEqual(await post({ "content-type": "application/json" }), { status: 401, code: "invalid_signature" });
      assert.deepEqual(await post(signed(body, "another-secret-0123456789")), {
        status: 401,
        code: "invalid_signature",
      });
      const stale = Math.floor(Date.now() / 1000) - 3600;
      assert.deepEqual(await post(signed(body, SECRET, stale)), { status: 401, code: "invalid_signature" });
      const good = signed(body);
      assert.equal((await post(good)).status, 200);
      assert.deepEqual(await post(good), { status: 409, code: "replayed" });
      assert.deepEqual(await post(signed(body), "nobody"), { status: 404, code: "not_found" });
      const notJson = "{";
      const r = await fetch(`${g.url}/api/ingest/hook`, { method: "POST", headers: signed(notJson), body: notJson });
      assert.equal(r.status, 400);
      assert.equal(((await r.json()) as { code: string }).code, "invalid_json");
    } finally {
      await g.close();
    }
  });

  it("is not ready while a required connector cannot reach its source", async () => {
    const port = await freePort(); // nothing listens there
    const options = { url: `redis://127.0.0.1:${port}`, streams: ["s"] };
    const g = await startGateway({
      connectors: [
        { type: "redis-stream", name: "down", options, reconnect: { initialMs: 50, maxMs: 200 } },
        { type: "redis-stream", name: "optional", required: false, options },
      ],
    });
    try {
      const ready = await getJson(`${g.url}/readyz`);
      assert.equal(ready.status, 503);
      const states = (ready.body.connectors as Array<{ name: string; state: string; lastError?: string }>).map((c) => [
        c.name,
        c.state,
        typeof c.lastError,
      ]);
      assert.deepEqual(states, [
        ["down", "reconnecting", "string"],
        ["optional", "reconnecting", "string"],
      ]);
      await waitUntil(
        () => (g.gateway.connectors.get("down")?.health().reconnects ?? 0) >= 2,
        "two reconnect attempts of the required connector",
      );
    } finally {
      await g.close();
    }
    const spare = await startGateway({
      connectors: [{ type: "redis-stream", name: "optional", required: false, options }],
    });
    try {
      assert.equal((await getJson(`${spare.url}/readyz`)).status, 200);
    } finally {
      await spare.close();
    }
  });

  it("rejects a bad connector configuration with one precise line per problem", async () => {
    const err = (() => {
      try {
        resolveConfig({
          connectors: [
            { type: "kafka", name: "a" },
            { type: "webhook", name: "a", options: { secret: SECRET } },
          ],
        });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error("no error");
    })();
    assert.ok(err instanceof ConfigError);
    assert.ok(err.problems.some((p) => p.includes('config.connectors[0].type "kafka" is not a connector type')));
    assert.ok(err.problems.some((p) => p.includes('config.connectors[1].name "a" is declared twice')));
    assert.throws(
      () => resolveConfig({ connectors: [{ type: "webhook", name: "bad name!" }] }),
      /config\.connectors\[0\]\.name must match pattern/,
    );
    // Type-specific options are checked when the gateway starts.
    const g = createGateway({
      defaultMetrics: false,
      config: { log: { level: "silent" }, connectors: [{ type: "webhook", name: "w", options: { secret: "short" } }] },
    });
    await assert.rejects(g.listen({ port: 0, host: "127.0.0.1" }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /connector "w"\.options\.secret/);
      return true;
    });
    await g.close();
  });
});
