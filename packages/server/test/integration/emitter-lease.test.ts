/** The aggregation emitter lease on the real Redis: one holder at a time, handed over on close. */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, it } from "node:test";
import { Redis } from "ioredis";
import { RedisLease } from "../../src/engine/lease.js";
import { createLogger } from "../../src/log.js";
import { dropPrefix, REDIS_URL } from "./redis-helpers.js";

const prefix = `t-lease-${randomUUID().slice(0, 8)}`;
const redis = new Redis(REDIS_URL);
after(async () => {
  await dropPrefix(prefix);
  redis.disconnect();
});

describe("RedisLease", () => {
  it("is held by one node at a time and passes to the other when the holder closes", async () => {
    const log = createLogger("silent");
    const a = new RedisLease(redis, prefix, "node-a", log, 50, 500);
    const b = new RedisLease(redis, prefix, "node-b", log, 50, 500);
    await a.start();
    await b.start();
    try {
      assert.deepEqual([a.held, b.held], [true, false]);
      await a.close();
      const deadline = Date.now() + 5000;
      while (!b.held) {
        assert.ok(Date.now() < deadline, "node-b takes the lease within its renew interval");
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(a.held, false);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
