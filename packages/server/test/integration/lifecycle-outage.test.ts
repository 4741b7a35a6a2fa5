/**
 * The webhooks' record of what a node holds survives Redis failing under it (a private
 * redis-server on a free port): changes made while Redis is stalled (SIGSTOP: they time out
 * here, and Redis runs them late), while the connection is closed, or while Redis is killed
 * (SIGKILL, back empty) are reconciled at the next
 * mark, so the record ends up as what the node holds — nothing held twice, nothing held that
 * is gone — and the events of the end state are queued.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { Redis } from "ioredis";
import { createLogger } from "../../src/log.js";
import { LIFECYCLE_EVENTS } from "../../src/webhooks/lifecycle-event.js";
import { RedisLifecycleLog } from "../../src/webhooks/lifecycle-log-redis.js";
import { LifecycleTracker } from "../../src/webhooks/lifecycle-tracker.js";
import { PrivateRedis } from "../private-redis.js";
import { waitFor } from "../wait-for.js";

let server: PrivateRedis;
let redis: Redis;
before(async () => {
  server = await PrivateRedis.start();
  redis = new Redis(server.url, { commandTimeout: 300, maxRetriesPerRequest: 1 });
  redis.on("error", () => {});
});
after(async () => {
  redis.disconnect();
  await server.close();
});

const names = (events: Array<{ name: string; topic?: string }>) => events.map((e) => `${e.name}:${e.topic}`);

it("changes lost to a stalled Redis, a closed connection and a killed Redis are reconciled: the record is what the node holds", async () => {
  const log = new RedisLifecycleLog(redis, "wh-outage", "node-a", 1000);
  const tracker = new LifecycleTracker(log, LIFECYCLE_EVENTS, createLogger("silent"));
  tracker.channel("a", true);
  await tracker.settled();
  assert.equal(tracker.dirty, false);

  server.stall();
  tracker.channel("a", false);
  tracker.channel("b", true);
  await tracker.settled(); // both time out
  assert.equal(tracker.dirty, true, "a change that could not be recorded marks the record for reconciling");
  server.resume();
  await waitFor(async () => (await redis.ping().catch(() => "")) === "PONG", { what: "Redis answering again" });
  await tracker.reconcile();
  assert.deepEqual([...(await log.holdings()).keys()], ["channel|b"]);
  assert.deepEqual(
    names(await log.read(10)),
    ["channel_occupied:a", "channel_vacated:a", "channel_occupied:b"],
    "the stalled commands ran late, in order; reconciling added nothing twice",
  );

  // The connection is closed while Redis keeps its data: the let-go of b is lost on the way.
  redis.disconnect();
  tracker.channel("b", false);
  await tracker.settled();
  assert.equal(tracker.dirty, true);
  await redis.connect();
  await tracker.reconcile();
  assert.deepEqual([...(await log.holdings()).keys()], [], "recorded but no longer held: let go");
  assert.deepEqual(names(await log.read(10)).at(-1), "channel_vacated:b");
  tracker.channel("b", true);
  await tracker.settled();

  await server.down();
  tracker.channel("c", true);
  await tracker.settled();
  assert.equal(tracker.dirty, true);
  await server.up(); // empty: the record and the queue are gone
  await waitFor(async () => (await redis.ping().catch(() => "")) === "PONG", { what: "Redis back" });
  await tracker.reconcile();
  assert.deepEqual([...(await log.holdings()).keys()].sort(), ["channel|b", "channel|c"]);
  assert.deepEqual(
    names(await log.read(10)).sort(),
    ["channel_occupied:b", "channel_occupied:c"],
    "the end state's events",
  );
  assert.equal(tracker.dirty, false);
});
