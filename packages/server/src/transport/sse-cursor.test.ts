import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeCursor, encodeCursor, fingerprint, MAX_CURSOR_LENGTH } from "./sse-cursor.js";

const names = ["chat.a", "market.>", "broadcast"];
const fp = fingerprint(names);

describe("SSE cursor", () => {
  it("round-trips positions, unknown ones and epochs with separator characters", () => {
    const positions = [{ epoch: "a1b2c3d4", n: 12345 }, undefined, { epoch: "we;ird,ep~och", n: 0 }];
    assert.deepEqual(decodeCursor(encodeCursor(fp, positions), fp, 3), positions);
  });

  it("is compact: base-36 numbers, one short fingerprint", () => {
    const id = encodeCursor(fp, [{ epoch: "a1b2c3d4", n: 1_000_000 }]);
    assert.equal(id, `h1;${fp};a1b2c3d4,lfls`);
  });

  it("depends on the subscription list and its order", () => {
    assert.notEqual(fingerprint(["a", "b"]), fingerprint(["b", "a"]));
    assert.notEqual(fingerprint(["a", "b"]), fingerprint(["a"]));
  });

  for (const [what, raw] of [
    ["garbage", "hello"],
    ["an empty position list", "h1"],
    ["a negative number", `h1;${fp};e,-5;e,1;e,1`],
    ["a non-base-36 number", `h1;${fp};e,1.5;e,1;e,1`],
    ["a missing epoch", `h1;${fp};,5;e,1;e,1`],
    ["a bad escape", `h1;${fp};%E0%A4%A,5;e,1;e,1`],
    ["too few positions", `h1;${fp};e,1`],
    ["a cursor for other topics", `h1;${fingerprint(["x"])};e,1;e,1;e,1`],
    ["an over-long value", `h1;${fp};${"e".repeat(MAX_CURSOR_LENGTH)},1;e,1;e,1`],
    ["a number beyond 2^53", `h1;${fp};e,zzzzzzzzzzz;e,1;e,1`],
  ] as const) {
    it(`refuses ${what} with invalid_position`, () => {
      assert.throws(
        () => decodeCursor(raw, fp, 3),
        (err: { code?: string }) => err.code === "invalid_position",
      );
    });
  }
});
