// An idle pattern subscription keeps a recoverable position: pongs carry the node's delivered
// stream offset, so a pattern that matched nothing for longer than the stream log keeps still
// resumes with recovered:true instead of a spurious reset.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startGateway, TestClient } from "./helpers.js";

describe("pong carries the stream position", () => {
  it("lets an idle pattern move its position forward past events it did not match", async () => {
    const g = await startGateway({ recovery: { streamSize: 10, maxEvents: 10 } });
    try {
      const c = await TestClient.connect(g.wsUrl);
      const ack = await c.request({ type: "subscribe", topic: "quiet.>" });
      for (let i = 0; i < 30; i++) await g.gateway.publish(`busy.${i % 3}`, i);
      const pong = await c.request({ type: "ping" });
      assert.equal(pong.epoch, ack.epoch);
      assert.ok((pong.offset as number) >= (ack.offset as number) + 30, JSON.stringify(pong));
      c.ws.terminate();

      const fresh = await TestClient.connect(g.wsUrl);
      const advanced = await fresh.request({
        type: "subscribe",
        topic: "quiet.>",
        since: { epoch: pong.epoch, offset: pong.offset },
      });
      assert.equal(advanced.recovered, true, "the position from the pong is still inside the stream log");
      await fresh.request({ type: "unsubscribe", topic: "quiet.>" });
      const stale = await fresh.request({
        type: "subscribe",
        topic: "quiet.>",
        since: { epoch: ack.epoch, offset: ack.offset },
      });
      assert.equal(stale.recovered, false, "the ack position fell out of a 10-event stream log");
      await g.gateway.publish("quiet.now", "live");
      assert.equal((await fresh.next("event")).data, "live");
      fresh.close();
    } finally {
      await g.close();
    }
  });

  it("is sent only once the connection has its welcome", async () => {
    const g = await startGateway({ auth: { anonymous: false, jwtSecret: "a-secret-long-enough-0123456789abcdef" } });
    try {
      const c = await TestClient.connect(g.wsUrl, { waitWelcome: false });
      const pong = await c.request({ type: "ping" });
      assert.equal(pong.type, "pong");
      assert.equal(pong.offset, undefined);
      c.close();
    } finally {
      await g.close();
    }
  });
});
