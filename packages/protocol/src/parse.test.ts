import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isFrameProblem, parseClientFrame } from "./parse.js";

describe("parseClientFrame", () => {
  it("reads every client frame type", () => {
    assert.deepEqual(parseClientFrame({ type: "ping", id: 7 }), { type: "ping", id: "7" });
    assert.deepEqual(parseClientFrame({ type: "auth", token: "t" }), { type: "auth", token: "t" });
    assert.deepEqual(parseClientFrame({ type: "subscribe", topic: "a.*", since: { epoch: "e", offset: 3 } }), {
      type: "subscribe",
      topic: "a.*",
      since: { epoch: "e", offset: 3 },
    });
    assert.deepEqual(parseClientFrame({ type: "publish", topic: "a", data: null, event: "x", eventId: "k" }), {
      type: "publish",
      topic: "a",
      data: null,
      event: "x",
      eventId: "k",
    });
    assert.deepEqual(parseClientFrame({ type: "history", topic: "a", since: 2, limit: 5 }), {
      type: "history",
      topic: "a",
      since: 2,
      limit: 5,
    });
    assert.deepEqual(parseClientFrame({ type: "unsubscribe", topic: "a" }), { type: "unsubscribe", topic: "a" });
  });

  it("answers bad frames with a stable code and echoes the id when it can", () => {
    const cases: Array<[unknown, string]> = [
      [[1, 2], "bad_request"],
      ["text", "bad_request"],
      [{}, "bad_request"],
      [{ type: "launch", id: "x" }, "unknown_type"],
      [{ type: "subscribe" }, "bad_request"],
      [{ type: "subscribe", topic: 5 }, "bad_request"],
      [{ type: "subscribe", topic: "a", since: { epoch: "e" } }, "invalid_position"],
      [{ type: "subscribe", topic: "a", since: { epoch: "e", seq: -1 } }, "invalid_position"],
      [{ type: "subscribe", topic: "a", since: { epoch: "e", seq: 1.5 } }, "invalid_position"],
      [{ type: "subscribe", topic: "a", since: "yesterday" }, "invalid_position"],
      [{ type: "publish", topic: "a" }, "bad_request"],
      [{ type: "history", topic: "a", limit: 0 }, "bad_request"],
      [{ type: "ping", id: { nested: true } }, "bad_request"],
      [{ type: "ping", id: "x".repeat(129) }, "bad_request"],
    ];
    for (const [input, code] of cases) {
      const r = parseClientFrame(input);
      assert.ok(isFrameProblem(r), JSON.stringify(input));
      assert.equal(r.code, code, JSON.stringify(input));
      assert.ok(r.error.length > 0);
    }
    const withId = parseClientFrame({ type: "nope", id: "req-1" });
    assert.ok(isFrameProblem(withId));
    assert.equal(withId.id, "req-1");
  });
});
