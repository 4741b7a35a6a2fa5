/**
 * A batch of publishes (`engine.publishBatchMax`) sent to a Redis that is stalled (SIGSTOP) on a
 * private redis-server: every publish of the call is refused with `unavailable`, and none of
 * them happens later when Redis runs again (the call's deadline); the next call goes through.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { resolveConfig } from "../../src/config.js";
import { RedisBroker } from "../../src/engine/broker-redis.js";
import { Namespaces } from "../../src/hub/namespaces.js";
import { PrivateRedis } from "../private-redis.js";

let redis: PrivateRedis;

before(async () => {
  redis = await PrivateRedis.start();
});
after(async () => {
  redis?.resume();
  await redis?.close();
});

describe("Redis stalled during a batch of publishes", () => {
  it("refuses every publish of the call and executes none of them later", async () => {
    const config = resolveConfig({});
    const broker = new RedisBroker({
      namespaces: new Namespaces(config.namespaces),
      recovery: config.recovery,
      idempotency: config.idempotency,
      url: redis.url,
      keyPrefix: `herald-batch-${randomUUID().slice(0, 8)}`,
      commandTimeoutMs: 600,
      healthCheckMs: 5000, // the probe must not refuse first: the call itself meets the stall
    });
    await broker.start();
    try {
      const topic = `stall.${randomUUID().slice(0, 8)}`;
      await broker.publish({ topic, data: "warm-up" }); // the script is loaded: EVALSHA from here
      const before = await broker.streamPosition();
      redis.stall();
      const answers = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => broker.publish({ topic, data: i, id: `stalled-${i}` })),
      );
      for (const a of answers) {
        assert.equal(a.status, "rejected");
        assert.equal((a as PromiseRejectedResult).reason.code, "unavailable");
      }
      // Resumed after the call's deadline: Redis now runs the queued script, which must do nothing.
      await new Promise((r) => setTimeout(r, 700));
      redis.resume();
      const after = await broker.publish({ topic, data: "after" });
      assert.equal(after.event.seq, 2, "the refused publishes used no seq");
      assert.equal(after.event.offset, before.offset + 1, "nor any stream offset");
      const page = await broker.history(topic, { limit: 100 });
      assert.deepEqual(
        page.events.map((e) => e.data),
        ["warm-up", "after"],
      );
    } finally {
      redis.resume();
      await broker.close();
    }
  });
});
