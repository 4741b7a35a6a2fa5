/** Window arithmetic against a reference computed from the raw events (property-based), and checkpoint round trips. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { AggregateOp } from "./partial.js";
import { type WindowResult, Windows } from "./windows.js";

interface Raw {
  ts: number;
  group: string;
  value: number | undefined;
}

const OPS: AggregateOp[] = ["count", "sum", "avg", "min", "max", "distinct", "p50", "p95", "p99"];

const rawEvent = fc.record({
  ts: fc.integer({ min: 0, max: 59_999 }),
  group: fc.constantFrom("a", "b", "c"),
  value: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
});

/** Window and slide in ms, the slide dividing the window. */
const shape = fc
  .tuple(fc.constantFrom(500, 1000, 2500), fc.integer({ min: 1, max: 6 }))
  .map(([slide, k]) => ({ slideMs: slide, windowMs: slide * k }));

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

/** The expected values of one window, straight from the raw events. */
function reference(events: Raw[], start: number, end: number): Record<string, number | null> {
  const inside = events.filter((e) => e.ts >= start && e.ts < end);
  const nums = inside.map((e) => e.value).filter((v): v is number => v !== undefined);
  const sorted = [...nums].sort((a, b) => a - b);
  const sum = nums.reduce((a, b) => a + b, 0);
  return {
    count: inside.length,
    sum,
    avg: nums.length > 0 ? sum / nums.length : null,
    min: nums.length > 0 ? Math.min(...nums) : null,
    max: nums.length > 0 ? Math.max(...nums) : null,
    distinct: new Set(nums).size,
    p50: nums.length > 0 ? exactQuantile(sorted, 0.5) : null,
    p95: nums.length > 0 ? exactQuantile(sorted, 0.95) : null,
    p99: nums.length > 0 ? exactQuantile(sorted, 0.99) : null,
  };
}

function assertMatches(actual: Record<string, number | null>, expected: Record<string, number | null>, at: string) {
  for (const op of OPS) {
    const a = actual[op];
    const e = expected[op];
    if (e === null || e === undefined) {
      assert.equal(a, null, `${at} ${op}`);
      continue;
    }
    assert.equal(typeof a, "number", `${at} ${op}`);
    if (op.startsWith("p")) {
      // DDSketch: within its relative accuracy (1 %) of a value of the right rank.
      assert.ok(Math.abs((a as number) - e) <= 0.0101 * e + 1e-9, `${at} ${op}: ${a} vs ${e}`);
    } else if (op === "avg") {
      assert.ok(Math.abs((a as number) - e) < 1e-9, `${at} avg: ${a} vs ${e}`);
    } else assert.equal(a, e, `${at} ${op}`);
  }
}

function newWindows(s: { windowMs: number; slideMs: number }, grouped = true): Windows {
  return new Windows({ ...s, ops: OPS, grouped, maxGroups: 100, maxDistinct: 100_000 });
}

describe("Windows", () => {
  it("gives every closed window the values a reference computes from the raw events, per group and overall", () => {
    fc.assert(
      fc.property(shape, fc.array(rawEvent, { maxLength: 200 }), (s, events) => {
        const w = newWindows(s);
        for (const e of events) assert.equal(w.add(e.ts, e.group, e.value), true);
        const results = w.close(60_000 + s.windowMs);
        const ends = results.map((r) => r.end);
        assert.deepEqual(
          ends,
          [...ends].sort((a, b) => a - b),
          "windows are emitted in order",
        );
        // Every window that holds an event is emitted.
        for (const e of events) {
          const first = Math.floor(e.ts / s.slideMs) * s.slideMs + s.slideMs;
          for (let end = first; end < first + s.windowMs; end += s.slideMs)
            assert.ok(ends.includes(end), `window ${end}`);
        }
        for (const r of results) {
          assert.equal(r.end - r.start, s.windowMs);
          assertMatches(r.values, reference(events, r.start, r.end), `window ${r.end}`);
          for (const g of ["a", "b", "c"]) {
            const mine = events.filter((e) => e.group === g);
            const expected = reference(mine, r.start, r.end);
            if (expected.count === 0) assert.equal(r.groups?.[g], undefined);
            else assertMatches(r.groups?.[g] as Record<string, number | null>, expected, `window ${r.end} group ${g}`);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("gives the same results when its state is checkpointed and restored part way (a restart mid-window)", () => {
    fc.assert(
      fc.property(shape, fc.array(rawEvent, { maxLength: 120 }), fc.nat(), (s, events, cut) => {
        const sorted = [...events].sort((a, b) => a.ts - b.ts);
        const at = sorted.length === 0 ? 0 : cut % sorted.length;
        const straight = newWindows(s);
        for (const e of sorted) straight.add(e.ts, e.group, e.value);
        const before = newWindows(s);
        const early: WindowResult[] = [];
        for (const e of sorted.slice(0, at)) before.add(e.ts, e.group, e.value);
        // Close what is complete before the cut, as a running node would have.
        const watermark = at > 0 ? (sorted[at - 1] as Raw).ts : 0;
        early.push(...before.close(watermark));
        const after = newWindows(s);
        after.restore(JSON.parse(JSON.stringify(before.toJSON())));
        for (const e of sorted.slice(at)) assert.equal(after.add(e.ts, e.group, e.value), true);
        const resumed = [...early, ...after.close(60_000 + s.windowMs)];
        const expected = straight.close(60_000 + s.windowMs);
        // Every window the straight run emits with events is emitted once by the restarted run with equal values.
        for (const r of expected.filter((x) => (x.values.count as number) > 0)) {
          const same = resumed.filter((x) => x.end === r.end);
          assert.equal(same.length, 1, `window ${r.end} emitted once`);
          assert.deepEqual(same[0], r);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("counts an event whose windows were all emitted as late instead of adding it", () => {
    const w = newWindows({ windowMs: 2000, slideMs: 1000 }, false);
    w.add(500, "", 1);
    assert.deepEqual(
      w.close(3000).map((r) => [r.end, r.values.count]),
      [
        [1000, 1],
        [2000, 1],
        [3000, 0],
      ],
    );
    assert.equal(w.add(999, "", 1), false);
    assert.equal(w.add(1500, "", 1), false, "its last window ended at 3000, already emitted");
    assert.equal(w.add(2500, "", 1), true);
    assert.equal(w.late, 2);
  });

  it("puts groups past maxGroups into (other)", () => {
    const w = new Windows({
      windowMs: 1000,
      slideMs: 1000,
      ops: ["count"],
      grouped: true,
      maxGroups: 2,
      maxDistinct: 10,
    });
    for (const g of ["a", "b", "c", "d", "a"]) w.add(10, g, undefined);
    assert.deepEqual(w.close(1000)[0]?.groups, { a: { count: 2 }, b: { count: 1 }, "(other)": { count: 2 } });
  });

  it("reports the in-progress window as current", () => {
    const w = newWindows({ windowMs: 3000, slideMs: 1000 }, false);
    w.add(100, "", 5);
    w.add(2100, "", 7);
    const now = w.current(2500);
    assert.deepEqual([now.start, now.end, now.values.count, now.values.sum], [0, 3000, 2, 12]);
  });
});
