/**
 * Aggregations on a real gateway: created over the API, fed by published events, results on the
 * `agg.{name}` state topic (snapshot, then deltas), series history, and a restart mid-window
 * (window state checkpointed to the SQLite store).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { HeraldConfigInput } from "../../src/config.js";
import { getJson, postJson, startGateway, TestClient } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "herald-agg-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function config(file: string): HeraldConfigInput {
  return {
    store: { path: join(dir, file) },
    compute: { enabled: true, graceMs: 100, checkpointMs: 60_000 },
  } as HeraldConfigInput;
}

async function publish(url: string, topic: string, data: unknown): Promise<void> {
  const r = await postJson(`${url}/api/publish`, { topic, event: "post", data });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

describe("aggregations on a gateway", () => {
  it("publishes each window's count, sum and average to agg.{name} and records it in the series", async () => {
    const g = await startGateway(config("a.db"));
    try {
      const created = await postJson(`${g.url}/api/aggregations`, {
        name: "engagement",
        topic: "posts.>",
        field: "engagement",
        ops: ["count", "sum", "avg", "max", "p95"],
        groupBy: "category",
        window: "1s",
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const c = await TestClient.connect(g.wsUrl);
      const ack = await c.request({ type: "subscribe", topic: "agg.engagement" });
      assert.equal(ack.type, "ack");
      assert.ok("state" in ack, "a state topic answers with its snapshot");
      await publish(g.url, "posts.a", { engagement: 10, category: "politics" });
      await publish(g.url, "posts.b", { engagement: 30, category: "economy" });
      await publish(g.url, "posts.a", { engagement: 20, category: "politics" });
      await publish(g.url, "other", { engagement: 1000, category: "politics" });
      // The three may straddle a window boundary: read results until all three are counted.
      type Doc = {
        window: { start: number; end: number };
        values: Record<string, number>;
        groups: Record<string, Record<string, number> | null>;
      };
      const docs: Doc[] = [];
      let total = 0;
      while (total < 3) {
        const f = await c.next("event", 10_000);
        assert.equal(f.event, "aggregate");
        const d = (f.data as { patch: Doc }).patch;
        assert.equal(d.window.end - d.window.start, 1000);
        docs.push(d);
        total += d.values.count as number;
      }
      assert.equal(total, 3, "the event on another topic is not counted");
      const sum = (k: string) => docs.reduce((s, d) => s + (d.values[k] ?? 0), 0);
      assert.equal(sum("sum"), 60);
      assert.equal(Math.max(...docs.map((d) => d.values.max ?? 0)), 30);
      const group = (g: string, k: string) => docs.reduce((s, d) => s + (d.groups[g]?.[k] ?? 0), 0);
      assert.deepEqual([group("politics", "count"), group("politics", "sum"), group("economy", "sum")], [2, 30, 30]);
      const doc = docs[docs.length - 1] as Doc;
      if (docs.length === 1) assert.equal(doc.values.avg, 20);
      const deadline = Date.now() + 5000;
      let points: Array<{ at: number; value: { values: { count: number } } }> = [];
      while (Date.now() < deadline) {
        const s = await getJson(`${g.url}/api/aggregations/engagement/series?from=0`);
        points = s.body.points as typeof points;
        if (points.some((p) => p.at === doc.window.end)) break;
        await new Promise((r) => setImmediate(r));
      }
      const point = points.find((p) => p.at === doc.window.end);
      assert.ok(point, "the window is in the series");
      assert.equal(point.value.values.count, doc.values.count);
      c.close();
    } finally {
      await g.close();
    }
  });

  it("refuses a bad definition with a precise error, and a second aggregation of the same name", async () => {
    const g = await startGateway(config("b.db"));
    try {
      const bad = await postJson(`${g.url}/api/aggregations`, { name: "x", topic: "t", ops: ["avg"], window: "1s" });
      assert.equal(bad.status, 400);
      assert.match(String(bad.body.error), /"field" is needed/);
      const slide = await postJson(`${g.url}/api/aggregations`, { name: "x", topic: "t", window: "1m", slide: "7s" });
      assert.equal(slide.body.code, "bad_request");
      const filter = await postJson(`${g.url}/api/aggregations`, {
        name: "x",
        topic: "t",
        window: "1s",
        filter: { a: { zz: 1 } },
      });
      assert.equal(filter.body.code, "invalid_filter");
      assert.equal((await postJson(`${g.url}/api/aggregations`, { name: "x", topic: "t", window: "1s" })).status, 201);
      const again = await postJson(`${g.url}/api/aggregations`, { name: "x", topic: "t", window: "1s" });
      assert.equal(again.body.code, "already_exists");
    } finally {
      await g.close();
    }
  });

  it("keeps an open window across a restart (a 1 h window is not reset)", async () => {
    const spec = {
      name: "hourly",
      topic: "posts.>",
      field: "engagement",
      ops: ["count", "sum"],
      window: "1h",
      slide: "1m",
    };
    let g = await startGateway(config("c.db"));
    try {
      assert.equal((await postJson(`${g.url}/api/aggregations`, spec)).status, 201);
      for (const e of [1, 2, 3]) await publish(g.url, "posts.x", { engagement: e });
      const before = await getJson(`${g.url}/api/aggregations/hourly`);
      assert.deepEqual((before.body.current as { values: unknown }).values, { count: 3, sum: 6 });
    } finally {
      await g.close();
    }
    g = await startGateway(config("c.db"));
    try {
      for (const e of [10, 20]) await publish(g.url, "posts.x", { engagement: e });
      const afterRestart = await getJson(`${g.url}/api/aggregations/hourly`);
      assert.equal(afterRestart.status, 200, "the stored aggregation runs again");
      assert.deepEqual((afterRestart.body.current as { values: unknown }).values, { count: 5, sum: 36 });
    } finally {
      await g.close();
    }
  });
});
