import assert from "node:assert/strict";
import { test } from "node:test";
import { payload } from "./messages.js";
import { readSample } from "./wire.js";

test("reads k, n and t from an event frame without parsing it", () => {
  const frame = JSON.stringify({ type: "event", topic: "bench.t3", data: payload(3, 1234, 1763773873123.456, "xxxx") });
  const s = readSample(Buffer.from(frame), { k: 0, n: 0, t: 0 });
  assert.ok(s);
  assert.equal(s.k, 3);
  assert.equal(s.n, 1234);
  assert.ok(Math.abs(s.t - 1763773873123.456) < 1e-3);
});

test("a control frame carries no sample", () => {
  assert.equal(readSample(Buffer.from('{"type":"ack","id":"s1"}'), { k: 0, n: 0, t: 0 }), undefined);
});
