import assert from "node:assert/strict";
import { test } from "node:test";
import type { HeraldEvent } from "@herald/protocol";
import { Subscription } from "./subscription.js";

function ev(topic: string, seq: number, offset: number, epoch = "e1"): HeraldEvent<number> {
  return { id: `${topic}-${seq}`, topic, event: "message", data: seq, timestamp: 0, seq, epoch, offset };
}

function make(name: string, pattern: boolean, maxTracked = 100) {
  const sub = new Subscription<number>(name, pattern, maxTracked, () => {});
  const got: string[] = [];
  const resets: unknown[] = [];
  sub.on("event", (e) => got.push(`${e.topic}#${e.seq}`));
  sub.on("reset", (r) => resets.push(r));
  return { sub, got, resets };
}

test("a topic subscription resumes from its ack, then from its last event, and drops repeats", () => {
  const { sub, got } = make("a.b", false);
  assert.equal(sub.since(), undefined);
  sub.acked({ topic: "a.b", epoch: "e1", seq: 4 }, undefined);
  assert.deepEqual(sub.since(), { epoch: "e1", seq: 4 }, "cut off before the first event: resume from the ack");
  sub.offer(ev("a.b", 5, 10));
  sub.offer(ev("a.b", 5, 10));
  sub.offer(ev("a.b", 4, 9));
  sub.offer(ev("a.b", 6, 11));
  assert.deepEqual(got, ["a.b#5", "a.b#6"]);
  assert.deepEqual(sub.since(), { epoch: "e1", seq: 6 });
  // A recovered resubscribe keeps the position; the replayed events move it.
  sub.acked({ topic: "a.b", epoch: "e1", seq: 8, recovered: true, replayed: 2 }, { epoch: "e1", seq: 6 });
  assert.deepEqual(sub.since(), { epoch: "e1", seq: 6 });
  sub.offer(ev("a.b", 7, 12));
  sub.offer(ev("a.b", 8, 13));
  assert.deepEqual(got, ["a.b#5", "a.b#6", "a.b#7", "a.b#8"]);
  // A new epoch (history lost) is accepted from its first seq.
  sub.offer(ev("a.b", 1, 1, "e2"));
  assert.deepEqual(sub.since(), { epoch: "e2", seq: 1 });
});

test("recovered:false emits reset and moves to the server's position", () => {
  const { sub, resets } = make("a.b", false);
  sub.acked({ topic: "a.b", epoch: "e1", seq: 3 }, undefined);
  sub.acked({ topic: "a.b", epoch: "e9", seq: 50, recovered: false }, { epoch: "e1", seq: 3 });
  assert.equal(resets.length, 1);
  assert.deepEqual(resets[0], { since: { epoch: "e1", seq: 3 }, position: { epoch: "e9", seq: 50 } });
  assert.deepEqual(sub.since(), { epoch: "e9", seq: 50 });
});

test("a pattern subscription resumes by stream offset and de-duplicates per topic", () => {
  const { sub, got } = make("a.>", true, 2);
  sub.acked({ topic: "a.>", epoch: "s1", offset: 100 }, undefined);
  assert.deepEqual(sub.since(), { epoch: "s1", offset: 100 });
  sub.offer(ev("a.x", 1, 101));
  sub.offer(ev("a.y", 1, 102));
  sub.offer(ev("a.x", 1, 101));
  sub.offer(ev("a.x", 2, 103));
  assert.deepEqual(got, ["a.x#1", "a.y#1", "a.x#2"]);
  assert.deepEqual(sub.since(), { epoch: "s1", offset: 103 });
  sub.offer(ev("a.z", 1, 104)); // tracking is bounded: the least recently seen topic (a.y) is forgotten
  sub.offer(ev("a.x", 2, 103));
  assert.deepEqual(got, ["a.x#1", "a.y#1", "a.x#2", "a.z#1"]);
});

test("an ended subscription delivers nothing and keeps no listeners", () => {
  const { sub, got } = make("a.b", false);
  sub.ended();
  sub.offer(ev("a.b", 1, 1));
  assert.deepEqual(got, []);
  assert.equal(sub.listenerCount("event"), 0);
});
