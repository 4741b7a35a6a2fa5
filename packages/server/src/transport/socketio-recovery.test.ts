import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SubscribeAck } from "@herald/protocol";
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
    const ack = (a: object) => ({ kind: "ack" as const, ack: a as SubscribeAck });
    const news = { type: "subscribe" as const, topic: "news.eu", presence: true };
    assert.equal(t.answered(news, ack({ topic: "news.eu", epoch: "T", seq: 7 }), "alice", 5), true);
    const market = { type: "subscribe" as const, topic: "market.>" };
    assert.equal(t.answered(market, ack({ topic: "market.>", epoch: "E", offset: 90 }), "alice", 5), true);
    const refused = { kind: "error" as const, code: "forbidden" as const, message: "no" };
    assert.equal(t.answered({ type: "subscribe", topic: "nope" }, refused, "alice", 5), false);
    assert.deepEqual(t.state(alice)?.subscriptions, [
      { name: "news.eu", pattern: false, from: 7, epoch: "T", presence: true },
      { name: "market.>", pattern: true, from: 90 },
    ]);
    assert.equal(t.answered({ type: "unsubscribe", topic: "news.eu" }, ack({ topic: "news.eu" }), "alice", 6), true);
    assert.deepEqual(
      t.state(alice)?.subscriptions.map((s) => s.name),
      ["market.>"],
    );
  });

  it("starts the personal topic when a user is first bound after an anonymous welcome", () => {
    const t = new ResumeTracker("pid");
    t.follow({ type: "welcome", client: "c", version: "v", epoch: "E", heartbeat: 1 }, undefined, 10);
    const auth = { type: "auth" as const, token: "t" };
    assert.equal(t.answered(auth, { kind: "ack", ack: { user: "alice" } }, "alice", 25), true);
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
