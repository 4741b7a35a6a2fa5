import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { Redis } from "ioredis";
import { DedupStage, MemoryDedupCache } from "./dedup.js";
import { RedisDedupCache } from "./dedup-redis.js";

describe("dedup stage", () => {
  it("gives a resend of the same content the first event's id (so the broker answers it as a duplicate)", () => {
    const stage = new DedupStage({ stage: "dedup" }, new MemoryDedupCache(1000));
    const first = stage.run({ topic: "t", data: { hash: "a" }, id: "1" });
    assert.equal((first as { id: string }).id, "1");
    const again = stage.run({ topic: "t", data: { hash: "a" }, id: "2" });
    assert.equal((again as { id: string }).id, "1");
    const fresh = stage.run({ topic: "t", data: { hash: "b" } });
    assert.equal(typeof (fresh as { id: string }).id, "string", "an id is assigned to remember it by");
    assert.equal(stage.duplicates, 1);
  });

  it("hashes only the configured fields", () => {
    const stage = new DedupStage({ stage: "dedup", fields: ["data.hash"] }, new MemoryDedupCache(10));
    stage.run({ topic: "a", data: { hash: "x", seen: 1 }, id: "1" });
    const r = stage.run({ topic: "a", data: { hash: "x", seen: 2 }, id: "2" });
    assert.equal((r as { id: string }).id, "1");
  });

  it("memory cache: bounded by size, entries expire after their TTL", () => {
    let now = 0;
    const cache = new MemoryDedupCache(2, () => now);
    assert.equal(cache.claim("a", "1", 100), undefined);
    assert.equal(cache.claim("b", "2", 100), undefined);
    assert.equal(cache.claim("c", "3", 100), undefined);
    assert.equal(cache.count, 2);
    assert.equal(cache.claim("a", "4", 100), undefined, "the oldest entry went when the size was reached");
    assert.equal(cache.claim("c", "5", 100), "3");
    now = 100;
    assert.equal(cache.claim("c", "6", 100), undefined, "expired");
  });

  describe("Redis cache (shared across nodes)", () => {
    const a = new Redis("redis://127.0.0.1:6379", { lazyConnect: false });
    const b = new Redis("redis://127.0.0.1:6379", { lazyConnect: false });
    const prefix = `h14dd-${process.pid}-${Date.now().toString(36)}`;
    after(async () => {
      const keys = await a.keys(`${prefix}:*`);
      if (keys.length > 0) await a.del(...keys);
      a.disconnect();
      b.disconnect();
    });

    it("two nodes agree on one id for the same content, and it expires", async () => {
      const node1 = new DedupStage({ stage: "dedup", ttlSeconds: 1 }, new RedisDedupCache(a, prefix));
      const node2 = new DedupStage({ stage: "dedup", ttlSeconds: 1 }, new RedisDedupCache(b, prefix));
      const [x, y] = await Promise.all([
        node1.run({ topic: "t", data: 1, id: "n1" }),
        node2.run({ topic: "t", data: 1, id: "n2" }),
      ]);
      assert.equal((x as { id: string }).id, (y as { id: string }).id);
      assert.equal(node1.duplicates + node2.duplicates, 1);
      const key = `${prefix}:dd:${node1.hash({ topic: "t", data: 1 })}`;
      const ttl = await a.pttl(key);
      assert.ok(ttl > 0 && ttl <= 1000, `expires within the window, pttl ${ttl}`);
    });
  });
});
