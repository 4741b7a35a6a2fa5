/** The shared presence suite on the real Redis, plus expiry of a crashed node's members. */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, it } from "node:test";
import { resolveConfig } from "../../src/config.js";
import type { RedisBroker } from "../../src/engine/broker-redis.js";
import type { PresenceChange, PresenceStore } from "../../src/engine/presence.js";
import { RedisPresence } from "../../src/engine/presence-redis.js";
import { presenceSuite } from "../suites/presence.suite.js";
import { waitFor } from "../wait-for.js";
import { dropPrefix, redisBroker } from "./redis-helpers.js";

const prefix = `herald-test-${randomUUID().slice(0, 8)}`;
const config = resolveConfig({});
const brokers = new Map<PresenceStore, RedisBroker>();

async function node(ttlSeconds = 30): Promise<RedisPresence> {
  const broker = redisBroker(prefix, config);
  await broker.start();
  const p = new RedisPresence(broker, ttlSeconds);
  await p.start();
  brokers.set(p, broker);
  return p;
}

async function stop(p: PresenceStore): Promise<void> {
  await p.close();
  await brokers.get(p)?.close();
}

after(() => dropPrefix(prefix));

presenceSuite("redis", (options) => node(options?.ttlSeconds), stop);

describe("Redis presence across nodes", () => {
  it("shows members of every node and tells every node about changes", async () => {
    const a = await node();
    const b = await node();
    try {
      const topic = `room.${randomUUID().slice(0, 8)}`;
      const seenByB: PresenceChange[] = [];
      b.onChange((c) => c.topic === topic && seenByB.push(c));
      await a.join(topic, { client: "a1", user: "alice" });
      await b.join(topic, { client: "b1", user: "bob" });
      assert.equal((await a.list(topic, 10)).count, 2);
      assert.equal((await b.list(topic, 10)).count, 2);
      await a.leave(topic, "a1");
      await waitFor(() => seenByB.length >= 3, { what: "node B to see two joins and a leave" });
      assert.deepEqual(
        seenByB.map((c) => `${c.type}:${c.info.client}`),
        ["join:a1", "join:b1", "leave:a1"],
      );
    } finally {
      await stop(a);
      await stop(b);
    }
  });

  it("expires the members of a node that stopped heartbeating, with a leave for each", async () => {
    const dead = await node(1);
    const live = await node(1);
    try {
      const topic = `room.${randomUUID().slice(0, 8)}`;
      const leaves: string[] = [];
      live.onChange((c) => c.topic === topic && c.type === "leave" && leaves.push(c.info.client));
      await dead.join(topic, { client: "d1" });
      await dead.join(topic, { client: "d2" });
      await live.join(topic, { client: "l1" });
      // `dead` never heartbeats again (as after SIGKILL); `live` keeps going.
      let count = 3;
      const end = Date.now() + 5000;
      while (count !== 1 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 300));
        await live.heartbeat();
        count = (await live.list(topic, 10)).count;
      }
      assert.equal(count, 1);
      assert.deepEqual((await live.list(topic, 10)).members, [{ client: "l1" }]);
      assert.deepEqual(leaves.sort(), ["d1", "d2"]);
    } finally {
      await stop(dead);
      await stop(live);
    }
  });
});
