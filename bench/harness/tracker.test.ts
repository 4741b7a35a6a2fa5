import assert from "node:assert/strict";
import { test } from "node:test";
import { Stream, zeroCounts } from "./tracker.js";

test("in-order delivery counts every event once", () => {
  const c = zeroCounts();
  const s = new Stream();
  for (let n = 1; n <= 5; n++) s.receive(n, c);
  s.finish(5, c);
  assert.deepEqual(c, { delivered: 5, lost: 0, duplicated: 0, reordered: 0 });
});

test("gaps and a missing tail are lost; published = delivered + lost", () => {
  const c = zeroCounts();
  const s = new Stream();
  for (const n of [1, 2, 5, 6]) s.receive(n, c);
  s.finish(9, c);
  assert.deepEqual(c, { delivered: 4, lost: 5, duplicated: 0, reordered: 0 });
  assert.equal(c.delivered + c.lost, 9);
});

test("a late event fills its gap as reordered; a repeat is a duplicate", () => {
  const c = zeroCounts();
  const s = new Stream();
  for (const n of [1, 3, 2, 3, 1]) s.receive(n, c);
  s.finish(3, c);
  assert.deepEqual(c, { delivered: 3, lost: 0, duplicated: 2, reordered: 1 });
});

test("an event arriving after its step ended is reordered, not counted twice", () => {
  const c = zeroCounts();
  const s = new Stream();
  s.receive(1, c);
  s.finish(2, c);
  assert.equal(c.lost, 1);
  s.receive(2, c);
  assert.deepEqual(c, { delivered: 2, lost: 0, duplicated: 0, reordered: 1 });
});
