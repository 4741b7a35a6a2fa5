import assert from "node:assert/strict";
import { test } from "node:test";
import { Stream, zeroCounts } from "./tracker.js";

test("in-order delivery counts every event once", () => {
  const c = zeroCounts();
  const s = new Stream();
  for (let n = 1; n <= 5; n++) s.receive(n, c);
  s.finish(5, true, c);
  assert.deepEqual(c, { delivered: 5, lost: 0, queued: 0, duplicated: 0, reordered: 0 });
});

test("gaps are lost; the missing tail of an open connection is queued, of a closed one lost", () => {
  const open = zeroCounts();
  const s = new Stream();
  for (const n of [1, 2, 5, 6]) s.receive(n, open);
  s.finish(9, true, open);
  assert.deepEqual(open, { delivered: 4, lost: 2, queued: 3, duplicated: 0, reordered: 0 });
  assert.equal(open.delivered + open.lost + open.queued, 9);
  const closed = zeroCounts();
  const t = new Stream();
  for (const n of [1, 2, 5, 6]) t.receive(n, closed);
  t.finish(9, false, closed);
  assert.deepEqual(closed, { delivered: 4, lost: 5, queued: 0, duplicated: 0, reordered: 0 });
});

test("a late event fills its gap as reordered; a repeat is a duplicate", () => {
  const c = zeroCounts();
  const s = new Stream();
  for (const n of [1, 3, 2, 3, 1]) s.receive(n, c);
  s.finish(3, true, c);
  assert.deepEqual(c, { delivered: 3, lost: 0, queued: 0, duplicated: 2, reordered: 1 });
});

test("a queued event that arrives later is delivered once, not a gap", () => {
  const c = zeroCounts();
  const s = new Stream();
  s.receive(1, c);
  s.finish(2, true, c);
  assert.equal(c.queued, 1);
  s.receive(2, c);
  s.receive(3, c);
  assert.deepEqual(c, { delivered: 3, lost: 0, queued: 1, duplicated: 0, reordered: 0 });
});
