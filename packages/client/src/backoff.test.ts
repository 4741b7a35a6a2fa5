import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffCeiling, backoffDelay, checkBackoff, DEFAULT_BACKOFF } from "./backoff.js";

test("the ceiling grows by factor from minMs and stops at maxMs", () => {
  const o = { minMs: 100, maxMs: 1000, factor: 2 };
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 30].map((n) => backoffCeiling(o, n)),
    [100, 200, 400, 800, 1000, 1000, 1000],
  );
});

test("full jitter: the delay spans [0, ceiling)", () => {
  const o = { minMs: 100, maxMs: 1000, factor: 3 };
  assert.equal(
    backoffDelay(o, 2, () => 0),
    0,
  );
  assert.equal(
    backoffDelay(o, 2, () => 0.5),
    450,
  );
  assert.equal(
    backoffDelay(o, 2, () => 0.999999),
    899,
  );
  for (let i = 0; i < 1000; i++) {
    const d = backoffDelay(DEFAULT_BACKOFF, i % 12);
    assert.ok(d >= 0 && d < backoffCeiling(DEFAULT_BACKOFF, i % 12));
  }
});

test("settings that cannot work are rejected with the field named", () => {
  assert.throws(() => checkBackoff({ minMs: -1, maxMs: 10, factor: 2 }), /minMs/);
  assert.throws(() => checkBackoff({ minMs: 100, maxMs: 10, factor: 2 }), /maxMs/);
  assert.throws(() => checkBackoff({ minMs: 1, maxMs: 10, factor: 0.5 }), /factor/);
});
