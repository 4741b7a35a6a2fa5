import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseOffset, ResumeTracker } from "./socketio-recovery.js";

const alice = { user: "alice", anonymous: false, claims: { sub: "alice" } };

describe("Socket.IO resume tracking", () => {
  it("reads only a decimal stream offset from the client; anything else means none (-1)", () => {
    assert.equal(parseOffset("1795514538059000"), 1795514538059000);
    assert.equal(parseOffset("0"), 0);
    for (const bad of [undefined, 12, "", "-1", "1e3", "12a", "99999999999999999", { n: 1 }]) {
      assert.equal(parseOffset(bad), -1, String(bad));
    }
  });

  it("has nothing to save before a welcome, then the stream epoch and where implicit topics began", () => {
    const t = new ResumeTracker("pid");
    assert.equal(t.state(alice), undefined);
    assert.equal(t.follow({ type: "welcome", client: "c", version: "v", epoch: "E", heartbeat: 1 }, "alice", 40), true);
    assert.deepEqual(t.state(alice), {
      principal: alice,
      streamEpoch: "E",
      implicitFrom: 40,
      personalFrom: 40,
      subscriptions: [],
    });
  });

  it("records a subscription at the position of its answer and forgets it on unsubscribe", () => {
    const t = new ResumeTracker("pid");
    t.follow({ type: "welcome", client: "c", version: "v", epoch: "E", heartbeat: 1 }, "alice", 1);
    t.request({ type: "subscribe", id: "1", topic: "news.eu", presence: true });
    t.request({ type: "subscribe", id: "2", topic: "market.>" });
    t.request({ type: "subscribe", id: "3", topic: "nope" });
    assert.equal(t.follow({ type: "ack", id: "1", topic: "news.eu", epoch: "T", seq: 7 }, "alice", 5), true);
    assert.equal(t.follow({ type: "ack", id: "2", topic: "market.>", epoch: "E", offset: 90 }, "alice", 5), true);
    assert.equal(t.follow({ type: "error", id: "3", code: "forbidden", error: "no", timestamp: 1 }, "alice", 5), false);
    assert.deepEqual(t.state(alice)?.subscriptions, [
      { name: "news.eu", pattern: false, from: 7, epoch: "T", presence: true },
      { name: "market.>", pattern: true, from: 90 },
    ]);
    t.request({ type: "unsubscribe", id: "4", topic: "news.eu" });
    assert.equal(t.follow({ type: "ack", id: "4", topic: "news.eu" }, "alice", 6), true);
    assert.deepEqual(
      t.state(alice)?.subscriptions.map((s) => s.name),
      ["market.>"],
    );
  });

  it("starts the personal topic when a user is first bound after an anonymous welcome", () => {
    const t = new ResumeTracker("pid");
    t.follow({ type: "welcome", client: "c", version: "v", epoch: "E", heartbeat: 1 }, undefined, 10);
    assert.equal(t.follow({ type: "ack", id: "auth:1", user: "alice" }, "alice", 25), true);
    assert.deepEqual([t.state(alice)?.implicitFrom, t.state(alice)?.personalFrom], [10, 25]);
  });

  it("keeps a session resumable after network drops and a shutdown, not after a deliberate end", () => {
    const t = new ResumeTracker("pid");
    assert.equal(t.resumableAfter("transport close"), true);
    assert.equal(t.resumableAfter("ping timeout"), true);
    assert.equal(t.resumableAfter("server namespace disconnect"), false);
    assert.equal(t.resumableAfter("client namespace disconnect"), false);
    t.resumableClose = true;
    assert.equal(t.resumableAfter("server namespace disconnect"), true);
  });
});
