/**
 * Answers that must not go missing (issue 11): every publish the gateway accepted is acked
 * before a 4003 close (item 11), and a frame refused as too deep still echoes its request id
 * (item 13).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { getJson, startGateway, TestClient } from "../helpers.js";

describe("answers before a rate-limit close", () => {
  it("acks every stored publish of a burst before closing with 4003", async () => {
    const g = await startGateway({
      namespaces: [{ prefix: "", history: { size: 5000, ttlSeconds: 0 } }],
      limits: { inboundFramesPerSecond: 100, inboundFrameBurst: 200, rateLimitStrikes: 50 },
    });
    try {
      const topic = `burst.${randomUUID().slice(0, 8)}`;
      const c = await TestClient.connect(g.wsUrl);
      for (let i = 0; i < 1000; i++) c.send({ type: "publish", id: `p${i}`, topic, eventId: `e${i}`, data: i });
      assert.equal(await c.closed, 4003);
      const acked = new Set(c.frames.filter((f) => f.type === "ack").map((f) => f.eventId as string));
      const page = await getJson(`${g.url}/api/topics/${topic}/history?limit=1000`);
      const stored = (page.body.events as Array<{ id: string }>).map((e) => e.id);
      assert.ok(stored.length >= 200, `the burst of 200 was stored (stored ${stored.length})`);
      const unanswered = stored.filter((id) => !acked.has(id));
      assert.deepEqual(unanswered, [], "every stored publish was acked before the close");
    } finally {
      await g.close();
    }
  });
});

describe("request ids on refused frames", () => {
  it("echoes the id of a frame refused as too_deep", async () => {
    const g = await startGateway({ limits: { maxJsonDepth: 4 } });
    try {
      const c = await TestClient.connect(g.wsUrl);
      c.send(JSON.stringify({ type: "publish", id: "deep-1", topic: "a", data: [[[[[[1]]]]]] }));
      const err = await c.next("error");
      assert.equal(err.code, "too_deep");
      assert.equal(err.id, "deep-1");
      c.close();
    } finally {
      await g.close();
    }
  });
});
