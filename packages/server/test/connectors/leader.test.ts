/**
 * One reader per cluster: two `redis-pubsub` connectors with `leader: true` (two nodes) read the
 * same channel; only the holder of the Redis lock subscribes, and the other takes over when the
 * leader stops — every message reaches subscribers once.
 */
import assert from "node:assert/strict";
import { after, it } from "node:test";
import { Redis } from "ioredis";
import { MemoryCheckpointStore } from "../../src/connectors/checkpoint-memory.js";
import type { RedisPubSubConnector } from "../../src/connectors/redis-pubsub.js";
import { MemoryDeadLetterStore } from "../../src/pipeline/dead-letter-memory.js";
import { Ingest } from "../../src/pipeline/ingest.js";
import { startGateway } from "../helpers.js";
import { buildConnector, Collector, FaultSink, run, unique, waitUntil } from "./support.js";

const URL = process.env.HERALD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const redis = new Redis(URL);
after(() => redis.disconnect());

it("redis-pubsub with leader: one node reads at a time, the other takes over", async () => {
  const id = unique();
  const g = await startGateway({});
  const seen = new Collector(g.gateway, `t${id}`);
  const sink = new FaultSink(new Ingest((r, ctx) => g.gateway.core.publish(r, ctx), new MemoryDeadLetterStore()));
  const entry = {
    type: "redis-pubsub",
    name: `l${id}`,
    topic: `t${id}.a`,
    options: { url: URL, channels: [`herald-test:leader:${id}`], leader: true, leaderTtlMs: 300 },
  };
  const a = (await buildConnector(g.gateway, entry)) as RedisPubSubConnector;
  const b = (await buildConnector(g.gateway, entry)) as RedisPubSubConnector;
  const channel = `herald-test:leader:${id}`;
  try {
    await run(a, sink, new MemoryCheckpointStore());
    await waitUntil(() => a.leading, "the first node to take the lock");
    await run(b, sink, new MemoryCheckpointStore());
    assert.equal(b.leading, false);
    // Subscribed once the leader's SUBSCRIBE was answered: publish until one arrives.
    await waitUntil(() => {
      void redis.publish(channel, JSON.stringify({ n: 0 }));
      return seen.events.length > 0;
    }, "the leader's subscription");
    const warm = seen.events.length;
    for (let n = 1; n <= 10; n++) await redis.publish(channel, JSON.stringify({ n }));
    await waitUntil(() => seen.numbers().filter((n) => n > 0).length >= 10, "10 messages through the leader");
    await a.stop();
    await waitUntil(() => b.leading, "the second node to take over");
    await waitUntil(() => {
      void redis.publish(channel, JSON.stringify({ n: -1 }));
      return seen.numbers().includes(-1);
    }, "the new leader's subscription");
    for (let n = 11; n <= 15; n++) await redis.publish(channel, JSON.stringify({ n }));
    await waitUntil(() => seen.numbers().filter((n) => n > 0).length >= 15, "15 messages in all");
    assert.deepEqual(
      seen.numbers().filter((n) => n > 0),
      Array.from({ length: 15 }, (_, i) => i + 1),
    );
    assert.ok(warm >= 1);
    assert.equal(a.health().received + b.health().received, seen.events.length, "no message was read twice");
  } finally {
    await a.stop();
    await b.stop();
    await g.close();
  }
});
