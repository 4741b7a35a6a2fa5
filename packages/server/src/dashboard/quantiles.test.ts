import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bucketDelta, quantile } from "./quantiles.js";

const cumulative = (pairs: Array<[number, number]>) => new Map(pairs);

describe("histogram quantiles", () => {
  it("interpolates inside the bucket that holds the rank", () => {
    // 10 observations ≤ 1, 10 more in (1, 2]: the median is the bound 1, p75 halfway into (1, 2].
    const b = cumulative([
      [1, 10],
      [2, 20],
      [Infinity, 20],
    ]);
    assert.equal(quantile(0.5, b), 1);
    assert.equal(quantile(0.75, b), 1.5);
    assert.equal(quantile(1, b), 2);
  });

  it("answers the largest finite bound for ranks in the +Inf bucket", () => {
    const b = cumulative([
      [0.01, 1],
      [0.1, 1],
      [Infinity, 100],
    ]);
    assert.equal(quantile(0.99, b), 0.1);
  });

  it("answers null when nothing was observed", () => {
    assert.equal(
      quantile(
        0.5,
        cumulative([
          [1, 0],
          [Infinity, 0],
        ]),
      ),
      null,
    );
  });

  it("refuses a quantile outside (0, 1]", () => {
    assert.throws(() => quantile(0, cumulative([[Infinity, 1]])), RangeError);
    assert.throws(() => quantile(1.5, cumulative([[Infinity, 1]])), RangeError);
  });

  it("takes the counts of one interval from two cumulative readings", () => {
    const before = cumulative([
      [1, 5],
      [Infinity, 7],
    ]);
    const now = cumulative([
      [1, 9],
      [Infinity, 12],
    ]);
    assert.deepEqual(
      [...bucketDelta(now, before)],
      [
        [1, 4],
        [Infinity, 5],
      ],
    );
    assert.deepEqual([...bucketDelta(now, undefined)], [...now]);
  });
});
