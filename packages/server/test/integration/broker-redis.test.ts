/** The shared broker suite on the real Redis (127.0.0.1:6379), isolated by a key prefix per run. */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, it } from "node:test";
import { resolveConfig } from "../../src/config.js";
import { brokerSuite } from "../suites/broker.suite.js";
import { dropPrefix, redisBroker } from "./redis-helpers.js";

const prefix = `herald-test-${randomUUID().slice(0, 8)}`;
after(() => dropPrefix(prefix));

brokerSuite(
  "redis",
  async (config) => {
    const b = redisBroker(prefix, config);
    await b.start();
    return b;
  },
  async (b) => {
    await dropPrefix(prefix);
    await b.close();
  },
);

describe("Redis broker: retention by age", () => {
  it("drops events older than the history and stream TTLs, and says so", async () => {
    const config = resolveConfig({
      namespaces: [{ prefix: "short", history: { size: 100, ttlSeconds: 1 } }],
      recovery: { maxEvents: 50, streamSize: 1000, streamTtlSeconds: 1 },
    });
    const b = redisBroker(prefix, config);
    await b.start();
    try {
      const topic = `short.${randomUUID().slice(0, 8)}`;
      const start = await b.position(topic);
      const stream = await b.streamPosition();
      for (let i = 1; i <= 3; i++) await b.publish({ topic, data: i });
      await new Promise((r) => setTimeout(r, 1100));
      await b.publish({ topic, data: 4 });
      const page = await b.history(topic, { limit: 10 });
      assert.deepEqual(
        page.events.map((e) => e.data),
        [4],
      );
      assert.equal(page.truncated, true);
      assert.equal((await b.recoverTopic(topic, { epoch: start.epoch, seq: 0 }, 50)).recovered, false);
      const recent = await b.recoverTopic(topic, { epoch: start.epoch, seq: 3 }, 50);
      assert.deepEqual(
        recent.events.map((e) => e.data),
        [4],
      );
      assert.equal((await b.recoverPattern("short.>", stream, 50)).recovered, false);
    } finally {
      await b.close();
    }
  });
});
