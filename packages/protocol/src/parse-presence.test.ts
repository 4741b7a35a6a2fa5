/** The presence options of `subscribe` (`presence`, `meta`). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseClientFrame } from "./parse.js";

describe("parseClientFrame: subscribe presence options", () => {
  it("keeps presence and meta, with or without since", () => {
    assert.deepEqual(parseClientFrame({ type: "subscribe", topic: "room.a", presence: true, meta: { s: "away" } }), {
      type: "subscribe",
      topic: "room.a",
      presence: true,
      meta: { s: "away" },
    });
    assert.deepEqual(
      parseClientFrame({ type: "subscribe", id: "1", topic: "room.a", presence: false, since: { epoch: "e", seq: 3 } }),
      { type: "subscribe", id: "1", topic: "room.a", since: { epoch: "e", seq: 3 }, presence: false },
    );
  });

  it("refuses a non-boolean presence and a meta that is not a small object", () => {
    assert.deepEqual(parseClientFrame({ type: "subscribe", id: "2", topic: "room.a", presence: "yes" }), {
      code: "bad_request",
      error: '"presence" must be true or false',
      id: "2",
    });
    for (const meta of ["text", [1, 2], null, { big: "x".repeat(2000) }]) {
      const r = parseClientFrame({ type: "subscribe", topic: "room.a", meta });
      assert.equal((r as { code?: string }).code, "bad_request", JSON.stringify(meta).slice(0, 40));
    }
  });
});
