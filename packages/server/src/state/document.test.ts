import assert from "node:assert/strict";
import { it } from "node:test";
import fc from "fast-check";
import { applyDelta, type StateDelta, type StateDocument } from "./document.js";
import { formatStamp } from "./hlc.js";

const value = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.string({ maxLength: 3 }),
  fc.dictionary(fc.constantFrom("x", "y"), fc.oneof(fc.constant(null), fc.integer()), { maxKeys: 2 }),
);
const delta = fc.record({
  patch: fc.dictionary(fc.constantFrom("a", "b", "c"), value, { minKeys: 1, maxKeys: 3 }),
  wall: fc.integer({ min: 0, max: 20 }),
  node: fc.constantFrom("n1", "n2", "n3"),
});

const stamped = (raw: Array<{ patch: Record<string, unknown>; wall: number; node: string }>): StateDelta[] =>
  raw.map((d, i) => ({ patch: d.patch, hlc: formatStamp(d.wall, i, d.node) })); // distinct, as an HLC guarantees

const run = (list: StateDelta[], from: StateDocument = { state: {}, clocks: {} }): StateDocument => {
  const doc = structuredClone(from);
  for (const d of list) applyDelta(doc, d);
  return doc;
};

it("a snapshot at any seq plus the deltas after it equals a full replay", () => {
  fc.assert(
    fc.property(fc.array(delta, { maxLength: 15 }), fc.nat(), (raw, cut) => {
      const deltas = stamped(raw);
      const at = cut % (deltas.length + 1);
      assert.deepEqual(run(deltas.slice(at), run(deltas.slice(0, at))), run(deltas));
    }),
  );
});

it("per key, the write with the newest stamp wins whatever order writes arrive in", () => {
  const scalar = fc.record({
    patch: fc.dictionary(fc.constantFrom("a", "b", "c"), fc.oneof(fc.constant(null), fc.integer()), { minKeys: 1 }),
    wall: fc.integer({ min: 0, max: 20 }),
    node: fc.constantFrom("n1", "n2", "n3"),
  });
  fc.assert(
    fc.property(fc.array(scalar, { maxLength: 12 }), fc.nat(), (raw, seed) => {
      const deltas = stamped(raw);
      const shuffled = [...deltas].sort(
        (x, y) =>
          ((x.hlc.length * seed + x.hlc.charCodeAt(20)) % 5) - ((y.hlc.length * seed + y.hlc.charCodeAt(20)) % 5),
      );
      const byStamp = [...deltas].sort((x, y) => (x.hlc < y.hlc ? -1 : 1));
      assert.deepEqual(run(shuffled), run(byStamp));
    }),
  );
});

it("ignores an older write to a key and applies a newer one", () => {
  const doc: StateDocument = { state: {}, clocks: {} };
  applyDelta(doc, { patch: { a: 1, b: { x: 1 } }, hlc: formatStamp(10, 0, "n1") });
  applyDelta(doc, { patch: { a: 2, b: { y: 2 } }, hlc: formatStamp(5, 0, "n2") });
  assert.deepEqual(doc.state, { a: 1, b: { x: 1 } });
  applyDelta(doc, { patch: { b: { y: 3 }, c: null }, hlc: formatStamp(11, 0, "n2") });
  assert.deepEqual(doc.state, { a: 1, b: { x: 1, y: 3 } });
  applyDelta(doc, { patch: { a: null }, hlc: formatStamp(12, 0, "n1") });
  assert.deepEqual(doc.state, { b: { x: 1, y: 3 } });
});
