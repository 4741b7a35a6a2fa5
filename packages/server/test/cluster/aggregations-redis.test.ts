/**
 * Two gateway nodes on the Redis engine running the same aggregation: events published through
 * either node are counted once, each window's result reaches subscribers exactly once, and when
 * the emitting node stops the other one carries on.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { HeraldConfigInput } from "../../src/config.js";
import { type Frame, postJson, type Running, startGateway, TestClient } from "../helpers.js";
import { dropPrefix, REDIS_URL } from "../integration/redis-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "herald-agg-redis-"));
const prefix = `t-agg-${randomUUID().slice(0, 8)}`;
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropPrefix(prefix);
});

function node(n: number): Promise<Running> {
  return startGateway({
    engine: { type: "redis", redisUrl: REDIS_URL, keyPrefix: prefix },
    store: { path: join(dir, `node${n}.db`) },
    compute: {
      enabled: true,
      graceMs: 200,
      aggregations: [{ name: "posts", topic: "posts.>", field: "engagement", ops: ["count", "sum"], window: "1s" }],
    },
  } as HeraldConfigInput);
}

interface Doc {
  window: { end: number };
  values: { count: number; sum: number };
}

describe("aggregations on two nodes (Redis engine)", () => {
  it("counts events published through either node once and emits one result per window", async () => {
    const a = await node(1);
    const b = await node(2);
    const watchers: TestClient[] = [];
    try {
      for (const g of [a, b]) {
        const c = await TestClient.connect(g.wsUrl);
        assert.equal((await c.request({ type: "subscribe", topic: "agg.posts" })).type, "ack");
        watchers.push(c);
      }
      let expectedSum = 0;
      for (let i = 1; i <= 20; i++) {
        expectedSum += i;
        const r = await postJson(`${(i % 2 === 0 ? a : b).url}/api/publish`, {
          topic: `posts.${i % 3}`,
          data: { engagement: i },
        });
        assert.equal(r.status, 200);
      }
      async function collect(c: TestClient, total: number): Promise<Doc[]> {
        const results: Doc[] = [];
        let counted = 0;
        while (counted < total) {
          const f: Frame = await c.next("event", 10_000);
          const doc = (f.data as { patch: Doc }).patch;
          results.push(doc);
          counted += doc.values.count;
        }
        assert.equal(counted, total, "every event counted once");
        return results;
      }
      for (const c of watchers) {
        const results = await collect(c, 20);
        const ends = results.map((r) => r.window.end);
        assert.equal(new Set(ends).size, ends.length, "one result per window");
        assert.equal(
          results.reduce((s, r) => s + r.values.sum, 0),
          expectedSum,
        );
      }
      // The first node held the emitter lease; once it is gone the second emits.
      (watchers.shift() as TestClient).close();
      await a.close();
      for (let i = 1; i <= 5; i++)
        await postJson(`${b.url}/api/publish`, { topic: "posts.x", data: { engagement: 100 } });
      const later = await collect(watchers[0] as TestClient, 5);
      assert.equal(
        later.reduce((s, r) => s + r.values.sum, 0),
        500,
      );
    } finally {
      for (const c of watchers) c.close();
      await a.close();
      await b.close();
    }
  });
});
