// The HTTP API against a real gateway: publish, batch, history, auth by API key, errors,
// health, metrics and info.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { getJson, postJson, type Running, startGateway } from "./helpers.js";

const key = "test-api-key-0123456789";
const auth = { authorization: `Bearer ${key}` };

describe("HTTP API", () => {
  let g: Running;
  before(async () => {
    g = await startGateway({
      auth: { apiKeys: [key] },
      limits: { maxBatchSize: 3, maxBodyBytes: 2048, maxJsonDepth: 5 },
    });
  });
  after(() => g.close());

  it("requires an API key (Bearer or X-API-Key) on server routes", async () => {
    const none = await postJson(`${g.url}/api/publish`, { topic: "a", data: 1 });
    assert.equal(none.status, 401);
    assert.equal(none.body.code, "unauthorized");
    const wrong = await postJson(`${g.url}/api/publish`, { topic: "a", data: 1 }, { authorization: "Bearer nope" });
    assert.equal(wrong.status, 401);
    const xkey = await postJson(`${g.url}/api/publish`, { topic: "a", data: 1 }, { "x-api-key": key });
    assert.equal(xkey.status, 200);
    assert.equal((await getJson(`${g.url}/api/info`)).status, 401);
  });

  it("publishes one event and answers its position; a repeated id returns the same seq", async () => {
    const a = await postJson(
      `${g.url}/api/publish`,
      { topic: "orders.1", event: "created", data: { n: 1 }, id: "o-1" },
      auth,
    );
    assert.equal(a.status, 200);
    assert.deepEqual([a.body.topic, a.body.seq, a.body.id, a.body.duplicate], ["orders.1", 1, "o-1", false]);
    assert.equal(typeof a.body.epoch, "string");
    const b = await postJson(
      `${g.url}/api/publish`,
      { topic: "orders.1", event: "created", data: { n: 1 }, id: "o-1" },
      auth,
    );
    assert.deepEqual([b.body.seq, b.body.duplicate], [1, true]);
    const history = await getJson(`${g.url}/api/topics/orders.1/history`, auth);
    assert.equal((history.body.events as unknown[]).length, 1);
  });

  it("publishes a batch in order, rejects it whole on a bad topic, and bounds its size", async () => {
    const ok = await postJson(
      `${g.url}/api/publish/batch`,
      {
        events: [
          { topic: "b.t", data: 1 },
          { topic: "b.t", data: 2 },
          { topic: "b.u", data: 3 },
        ],
      },
      auth,
    );
    assert.equal(ok.status, 200);
    assert.deepEqual(
      (ok.body.results as Array<{ seq: number }>).map((r) => r.seq),
      [1, 2, 1],
    );
    const bad = await postJson(
      `${g.url}/api/publish/batch`,
      {
        events: [
          { topic: "b.t", data: 4 },
          { topic: "b..x", data: 5 },
        ],
      },
      auth,
    );
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, "invalid_topic");
    assert.match(String(bad.body.error), /events\[1\]/);
    const h = await getJson(`${g.url}/api/topics/b.t/history`, auth);
    assert.equal(h.body.seq, 2, "nothing of the rejected batch was published");
    const big = await postJson(
      `${g.url}/api/publish/batch`,
      { events: Array(4).fill({ topic: "b.t", data: 0 }) },
      auth,
    );
    assert.equal(big.status, 400);
    assert.equal(big.body.code, "too_many_items");
  });

  it("reads history with since and limit, and rejects bad parameters", async () => {
    for (let i = 1; i <= 5; i++) await postJson(`${g.url}/api/publish`, { topic: "h.t", data: i }, auth);
    const page = await getJson(`${g.url}/api/topics/h.t/history?since=2&limit=2`, auth);
    assert.equal(page.status, 200);
    assert.deepEqual(
      (page.body.events as Array<{ data: number }>).map((e) => e.data),
      [3, 4],
    );
    assert.equal(page.body.seq, 5);
    assert.equal((await getJson(`${g.url}/api/topics/h.t/history?since=-1`, auth)).body.code, "invalid_position");
    assert.equal((await getJson(`${g.url}/api/topics/h.t/history?limit=0`, auth)).body.code, "bad_request");
    assert.equal((await getJson(`${g.url}/api/topics/h.*/history`, auth)).body.code, "invalid_topic");
  });

  it("answers malformed bodies with stable codes", async () => {
    const cases: Array<[unknown, number, string]> = [
      ["{oops", 400, "invalid_json"],
      [{ data: 1 }, 400, "bad_request"],
      [{ topic: "a..b", data: 1 }, 400, "invalid_topic"],
      [{ topic: "a.>", data: 1 }, 400, "invalid_topic"],
      [{ topic: "a", data: 1, extra: true }, 400, "bad_request"],
      [{ topic: "a", data: [[[[[[1]]]]]] }, 400, "too_deep"],
      [{ topic: "a", data: "x".repeat(4000) }, 413, "payload_too_large"],
    ];
    for (const [body, status, code] of cases) {
      const r = await postJson(`${g.url}/api/publish`, body, auth);
      assert.equal(r.status, status, JSON.stringify(body).slice(0, 60));
      assert.equal(r.body.code, code, JSON.stringify(body).slice(0, 60));
      assert.equal(typeof r.body.error, "string");
    }
    const unknown = await getJson(`${g.url}/api/nothing-here`);
    assert.deepEqual([unknown.status, unknown.body.code], [404, "not_found"]);
  });

  it("strips __proto__ keys from published data", async () => {
    const r = await postJson(
      `${g.url}/api/publish`,
      '{"topic":"p.t","data":{"__proto__":{"admin":true},"ok":1}}',
      auth,
    );
    assert.equal(r.status, 200);
    const h = await getJson(`${g.url}/api/topics/p.t/history`, auth);
    const data = (h.body.events as Array<{ data: Record<string, unknown> }>)[0]?.data;
    assert.deepEqual(data, { ok: 1 });
    assert.equal(({} as Record<string, unknown>).admin, undefined);
  });

  it("serves health, readiness, metrics and info", async () => {
    // A gateway of its own: the counts below are this test's, not what earlier tests left.
    const own = await startGateway({ auth: { apiKeys: [key] } });
    try {
      assert.deepEqual((await getJson(`${own.url}/healthz`)).body, { status: "ok" });
      const ready = await getJson(`${own.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal((await postJson(`${own.url}/api/publish`, { topic: "m.t", data: 1 }, auth)).status, 200);
      const metrics = await (await fetch(`${own.url}/metrics`)).text();
      for (const name of [
        "herald_connections",
        "herald_subscriptions",
        "herald_events_published_total",
        "herald_events_delivered_total",
        "herald_delivery_latency_seconds",
        "herald_errors_total",
      ]) {
        assert.ok(metrics.includes(name), name);
      }
      assert.match(metrics, /herald_events_published_total\{origin="api"\} 1\n/);
      const info = await getJson(`${own.url}/api/info`, auth);
      assert.equal(info.body.name, "herald");
      assert.equal(info.body.topics, 1);
      assert.equal(typeof info.body.uptime, "number");
    } finally {
      await own.close();
    }
  });
});
