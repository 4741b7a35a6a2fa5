/**
 * Overlapping subscriptions replay once (issue 11, item 9): a connection subscribed to
 * `acc.ov.x` and `acc.ov.>` that resumes after a drop gets each missed event once, in order,
 * on the native WebSocket and on SSE — as live delivery does.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { type Frame, startGateway, TestClient } from "../helpers.js";
import { SseConnection } from "./sse-harness.js";

describe("overlapping subscriptions after a drop", () => {
  it("native WS: events missed by both subscriptions are replayed once, in order", async () => {
    const g = await startGateway();
    try {
      const base = `acc.${randomUUID().slice(0, 6)}`;
      const topic = `${base}.x`;
      const pattern = `${base}.>`;
      const c1 = await TestClient.connect(g.wsUrl);
      const t = await c1.request({ type: "subscribe", topic });
      const p = await c1.request({ type: "subscribe", topic: pattern });
      for (const i of [1, 2]) await g.gateway.publish(topic, i);
      const seen = await c1.events(2);
      assert.deepEqual(
        seen.map((e) => e.data),
        [1, 2],
        "live: each event once",
      );
      const last = seen[1] as Frame;
      c1.close();
      await c1.closed;
      for (const i of [3, 4, 5]) await g.gateway.publish(topic, i);

      const c2 = await TestClient.connect(g.wsUrl);
      const r1 = await c2.request({ type: "subscribe", topic, since: { epoch: t.epoch, seq: last.seq } });
      const r2 = await c2.request({
        type: "subscribe",
        topic: pattern,
        since: { epoch: p.epoch, offset: last.offset },
      });
      assert.equal(r1.recovered, true);
      assert.equal(r2.recovered, true);
      await g.gateway.publish(topic, "marker");
      const got: unknown[] = [];
      for (;;) {
        const e = await c2.next("event");
        got.push(e.data);
        if (e.data === "marker") break;
      }
      assert.deepEqual(got, [3, 4, 5, "marker"]);
      c2.close();
    } finally {
      await g.close();
    }
  });

  it("SSE: a stream over both resumes with Last-Event-ID and gets each missed event once", async () => {
    const g = await startGateway();
    try {
      const base = `acc.${randomUUID().slice(0, 6)}`;
      const topic = `${base}.x`;
      const url = `${g.url}/sse?topic=${encodeURIComponent(topic)}&topic=${encodeURIComponent(`${base}.>`)}`;
      const sse = new SseConnection(url, undefined, ["message"]);
      await sse.open();
      for (const i of [1, 2]) await g.gateway.publish(topic, i);
      assert.deepEqual(
        (await sse.events(2)).map((e) => e.data),
        [1, 2],
      );
      await sse.drop();
      for (const i of [3, 4, 5]) await g.gateway.publish(topic, i);
      await sse.resume();
      await g.gateway.publish(topic, "marker");
      const got: unknown[] = [];
      for (;;) {
        const [e] = await sse.events(1);
        got.push(e?.data);
        if (e?.data === "marker") break;
      }
      assert.deepEqual(got, [3, 4, 5, "marker"]);
      await sse.drop();
    } finally {
      await g.close();
    }
  });
});
