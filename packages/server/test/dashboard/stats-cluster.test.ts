/** On the Redis engine every node publishes its own sample: the dashboard sees each node. */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, it } from "node:test";
import { mintToken } from "../../src/auth/jwt.js";
import type { StatsSample } from "../../src/dashboard/node-stats.js";
import { startGateway, TestClient } from "../helpers.js";
import { dropPrefix, REDIS_URL } from "../integration/redis-helpers.js";

const prefix = `herald-test-dash-${randomUUID().slice(0, 8)}`;
after(() => dropPrefix(prefix));

const SECRET = "dashboard-cluster-secret-0123456789";

describe("stats across nodes", () => {
  it("reaches an admin on one node with a sample from every node, each counting its own connections", async () => {
    const config = {
      auth: { jwtSecret: SECRET },
      engine: { type: "redis" as const, redisUrl: REDIS_URL, keyPrefix: prefix },
      dashboard: { statsIntervalMs: 150 },
    };
    const a = await startGateway(config);
    const b = await startGateway(config);
    const token = await mintToken(SECRET, "ada", { claims: { roles: ["admin"] } });
    const admin = await TestClient.connect(`${a.wsUrl}?token=${token}`);
    const onB = [await TestClient.connect(b.wsUrl), await TestClient.connect(b.wsUrl)];
    try {
      assert.equal((await admin.request({ type: "subscribe", topic: "herald.stats" })).type, "ack");
      const nodeA = a.gateway.core.engine.cluster.nodeId;
      const nodeB = b.gateway.core.engine.cluster.nodeId;
      assert.notEqual(nodeA, nodeB);
      const latest = new Map<string, StatsSample>();
      // Wait until a sample of each node came in that counts the connections opened above.
      while (latest.get(nodeA)?.connections !== 1 || latest.get(nodeB)?.connections !== 2) {
        const f = await admin.next((x) => x.type === "event" && x.topic === "herald.stats", 10_000);
        const s = f.data as StatsSample;
        latest.set(s.node, s);
      }
      assert.deepEqual([...latest.keys()].sort(), [nodeA, nodeB].sort());
    } finally {
      admin.close();
      for (const c of onB) c.close();
      await a.close();
      await b.close();
    }
  });
});
