/**
 * History paging once a topic outgrew its retention (issue 11, item 10): the page holds the
 * oldest kept events after `since`, at most `limit`, and `truncated` says it does not start at
 * since + 1. Run on the memory engine and on the shared Redis (own key prefix), over HTTP and WS.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, it } from "node:test";
import type { HeraldConfigInput } from "../src/config.js";
import { getJson, startGateway, TestClient } from "./helpers.js";
import { dropPrefix, REDIS_URL } from "./integration/redis-helpers.js";

const prefix = `herald-paging-${randomUUID().slice(0, 8)}`;
after(() => dropPrefix(prefix));

const engines: Array<[string, HeraldConfigInput["engine"]]> = [
  ["memory", { type: "memory" }],
  ["redis", { type: "redis", redisUrl: REDIS_URL, keyPrefix: prefix }],
];

for (const [name, engine] of engines) {
  describe(`history paging past retention (${name} engine)`, () => {
    it("returns the oldest kept events after since, at most limit, truncated when since+1 is gone", async () => {
      const g = await startGateway({ engine, namespaces: [{ prefix: "", history: { size: 100, ttlSeconds: 0 } }] });
      try {
        const topic = `hist.${randomUUID().slice(0, 8)}`;
        for (let i = 1; i <= 300; i++) await g.gateway.publish(topic, { i });
        const seqs = (body: Record<string, unknown>) => (body.events as Array<{ seq: number }>).map((e) => e.seq);

        const none = await getJson(`${g.url}/api/topics/${topic}/history?limit=5`);
        assert.equal(none.status, 200);
        assert.deepEqual(seqs(none.body), [201, 202, 203, 204, 205]);
        assert.equal(none.body.truncated, true);

        const zero = await getJson(`${g.url}/api/topics/${topic}/history?since=0&limit=5`);
        assert.deepEqual(seqs(zero.body), [201, 202, 203, 204, 205]);
        assert.equal(zero.body.truncated, true);

        const mid = await getJson(`${g.url}/api/topics/${topic}/history?since=150&limit=5`);
        assert.deepEqual(seqs(mid.body), [201, 202, 203, 204, 205]);
        assert.equal(mid.body.truncated, true);

        const kept = await getJson(`${g.url}/api/topics/${topic}/history?since=250&limit=3`);
        assert.deepEqual(seqs(kept.body), [251, 252, 253]);
        assert.equal(kept.body.truncated, false);

        const c = await TestClient.connect(g.wsUrl);
        const ws = await c.request({ type: "history", topic, since: 0, limit: 5 });
        assert.equal(ws.type, "ack");
        assert.deepEqual(seqs(ws), [201, 202, 203, 204, 205]);
        assert.equal(ws.truncated, true);
        c.close();
      } finally {
        await g.close();
      }
    });
  });
}
