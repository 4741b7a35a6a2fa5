/** Each node publishes a stats sample to `dashboard.statsTopic`, readable by admins only. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mintToken } from "../../src/auth/jwt.js";
import type { StatsSample } from "../../src/dashboard/node-stats.js";
import { type Frame, postJson, startGateway, TestClient } from "../helpers.js";

const SECRET = "dashboard-stats-secret-0123456789";
const config = { auth: { jwtSecret: SECRET }, dashboard: { statsIntervalMs: 100, statsTopTopics: 2 } };

describe("stats topic", () => {
  it("delivers per-second rates, latency percentiles and the busiest topics to an admin", async () => {
    const g = await startGateway(config);
    const token = await mintToken(SECRET, "ada", { claims: { roles: ["admin"] } });
    const admin = await TestClient.connect(`${g.wsUrl}?token=${token}`);
    const viewer = await TestClient.connect(g.wsUrl);
    try {
      const ack = await admin.request({ type: "subscribe", topic: "herald.stats" });
      assert.equal(ack.type, "ack");
      assert.equal((await viewer.request({ type: "subscribe", topic: "stats-test.busy" })).type, "ack");
      // Three events on one topic, one on another: both listed, the busier first.
      for (const topic of ["stats-test.busy", "stats-test.busy", "stats-test.busy", "stats-test.quiet"]) {
        assert.equal((await postJson(`${g.url}/api/publish`, { topic, data: { n: 1 } })).status, 200);
      }
      // The four events may straddle two samples: add the samples up until all are counted.
      const seen = new Map<string, number>();
      const samples: StatsSample[] = [];
      while ((seen.get("stats-test.busy") ?? 0) < 3 || (seen.get("stats-test.quiet") ?? 0) < 1) {
        const f = await admin.next((x: Frame) => x.type === "event" && x.topic === "herald.stats", 5000);
        const s = f.data as StatsSample;
        samples.push(s);
        assert.ok(s.topics.length <= 2, "statsTopTopics bounds the list");
        for (let i = 1; i < s.topics.length; i++) {
          assert.ok((s.topics[i - 1]?.rate ?? 0) >= (s.topics[i]?.rate ?? 0), "busiest first");
        }
        for (const t of s.topics)
          seen.set(t.topic, (seen.get(t.topic) ?? 0) + Math.round((t.rate * s.intervalMs) / 1000));
      }
      assert.deepEqual(Object.fromEntries(seen), { "stats-test.busy": 3, "stats-test.quiet": 1 });
      const sample = samples.find((s) => s.eventsIn > 0) as StatsSample;
      assert.ok(sample !== undefined, "a sample counted the published events");
      assert.equal(sample.node, g.gateway.core.engine.cluster.nodeId);
      assert.equal(sample.connections, 2);
      assert.ok(sample.subscriptions >= 2, `subscriptions ${sample.subscriptions}`);
      assert.ok(sample.eventsOut > 0, `eventsOut ${sample.eventsOut}`);
      assert.notEqual(sample.latencyMs.p50, null);
      assert.ok((sample.latencyMs.p99 ?? 0) >= (sample.latencyMs.p50 ?? 0));
      assert.ok(!seen.has("herald.stats"), "the stats topic does not count itself");
    } finally {
      admin.close();
      viewer.close();
      await g.close();
    }
  });

  it("refuses the stats topic to non-admins and client publishes to everyone", async () => {
    const g = await startGateway(config);
    const adminToken = await mintToken(SECRET, "ada", { claims: { roles: ["admin"] } });
    const userToken = await mintToken(SECRET, "bob");
    const admin = await TestClient.connect(`${g.wsUrl}?token=${adminToken}`);
    const user = await TestClient.connect(`${g.wsUrl}?token=${userToken}`);
    const anonymous = await TestClient.connect(g.wsUrl);
    try {
      for (const c of [user, anonymous]) {
        const refused = await c.request({ type: "subscribe", topic: "herald.stats" });
        assert.equal(refused.type, "error");
        assert.equal(refused.code, "forbidden");
      }
      const pattern = await user.request({ type: "subscribe", topic: "herald.>" });
      if (pattern.type === "ack") {
        // A pattern may be allowed, but no stats sample reaches a non-admin through it.
        await admin.request({ type: "subscribe", topic: "herald.stats" });
        await admin.next((f) => f.type === "event" && f.topic === "herald.stats", 5000);
        await admin.next((f) => f.type === "event" && f.topic === "herald.stats", 5000);
        assert.ok(!user.frames.some((f) => f.type === "event" && f.topic === "herald.stats"));
      }
      const publish = await admin.request({ type: "publish", topic: "herald.stats", data: { fake: true } });
      assert.equal(publish.type, "error");
      assert.equal(publish.code, "forbidden");
    } finally {
      for (const c of [admin, user, anonymous]) c.close();
      await g.close();
    }
  });

  it("keeps recent samples as history and turns off with an empty topic", async () => {
    const g = await startGateway(config);
    const token = await mintToken(SECRET, "ada", { claims: { roles: ["admin"] } });
    const admin = await TestClient.connect(`${g.wsUrl}?token=${token}`);
    try {
      await admin.request({ type: "subscribe", topic: "herald.stats" });
      await admin.events(2, 5000); // two samples were published
      const history = await admin.request({ type: "history", topic: "herald.stats" });
      assert.equal(history.type, "ack");
      assert.ok((history.events as unknown[]).length >= 2);
    } finally {
      admin.close();
      await g.close();
    }
    const off = await startGateway({ ...config, dashboard: { statsTopic: "" } });
    try {
      const a = await TestClient.connect(`${off.wsUrl}?token=${token}`);
      // Without the reserved namespace, herald.stats is an ordinary topic: clients may publish.
      assert.equal((await a.request({ type: "subscribe", topic: "herald.stats" })).type, "ack");
      assert.equal((await a.request({ type: "publish", topic: "herald.stats", data: {} })).type, "ack");
      const mine = await a.next("event");
      assert.deepEqual(mine.data, {}, "the first event is the client's own, not a stats sample");
      assert.equal(off.gateway.features.has("stats"), false);
      a.close();
    } finally {
      await off.close();
    }
  });
});
