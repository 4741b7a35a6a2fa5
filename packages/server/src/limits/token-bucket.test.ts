import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConnectionRate } from "./connection-rate.js";
import { InboundRate, requestIdOf } from "./inbound-rate.js";
import { TokenBucket } from "./token-bucket.js";

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe("TokenBucket", () => {
  it("allows a burst, then refills at the rate", () => {
    const c = clock();
    const b = new TokenBucket(10, 5, c.now);
    for (let i = 0; i < 5; i++) assert.ok(b.take());
    assert.equal(b.take(), false);
    assert.equal(b.retryAfterMs, 100);
    c.t += 100;
    assert.ok(b.take());
    assert.equal(b.take(), false);
    c.t += 10_000;
    assert.ok(b.full, "never fills past the burst");
    for (let i = 0; i < 5; i++) assert.ok(b.take());
    assert.equal(b.take(), false);
  });
});

describe("InboundRate", () => {
  it("refuses over the rate, closes after the strikes, and forgives a client that calmed down", () => {
    const c = clock();
    const r = new InboundRate({ inboundFramesPerSecond: 10, inboundFrameBurst: 2, rateLimitStrikes: 3 }, c.now);
    assert.deepEqual([r.admit(), r.admit(), r.admit(), r.admit()], ["ok", "ok", "limited", "limited"]);
    c.t += 1000; // bucket full again: strikes reset
    assert.deepEqual(
      [r.admit(), r.admit(), r.admit(), r.admit(), r.admit()],
      ["ok", "ok", "limited", "limited", "close"],
    );
  });

  it("answers the peer: rate_limited, then close 4003", () => {
    const c = clock();
    const r = new InboundRate({ inboundFramesPerSecond: 1, inboundFrameBurst: 1, rateLimitStrikes: 2 }, c.now);
    const seen: string[] = [];
    const peer = { error: (code: string) => seen.push(code), close: (code: number) => seen.push(String(code)) };
    assert.equal(r.admitFrom(peer), true);
    assert.equal(r.admitFrom(peer), false);
    assert.equal(r.admitFrom(peer), false);
    assert.deepEqual(seen, ["rate_limited", "4003"]);
  });

  it("is off at 0 frames per second", () => {
    const r = new InboundRate({ inboundFramesPerSecond: 0, inboundFrameBurst: 1, rateLimitStrikes: 1 });
    for (let i = 0; i < 1000; i++) assert.equal(r.admit(), "ok");
  });
});

describe("ConnectionRate", () => {
  it("limits each address on its own", () => {
    const c = clock();
    const r = new ConnectionRate(1, 2, c.now);
    assert.deepEqual([r.admit("a"), r.admit("a"), r.admit("a")], [true, true, false]);
    assert.equal(r.admit("b"), true);
    assert.equal(r.retryAfterSeconds("a"), 1);
  });

  it("stays bounded under a flood of addresses", () => {
    const c = clock();
    const r = new ConnectionRate(1, 1, c.now, 100);
    for (let i = 0; i < 10_000; i++) r.admit(`10.0.${i >> 8}.${i & 255}`);
    assert.ok(r.tracked <= 100, `tracked ${r.tracked}`);
    // Quiet addresses are swept first: a busy one keeps its (empty) bucket.
    c.t += 5000;
    const s = new ConnectionRate(1, 1, c.now, 3);
    s.admit("busy");
    s.admit("x");
    c.t += 2000;
    s.admit("busy"); // takes its refilled token: not full any more
    s.admit("y");
    s.admit("z"); // map full: "x" and "y"... refilled ones go
    assert.equal(s.admit("busy"), false, "the busy address was not forgotten");
  });
});

describe("requestIdOf", () => {
  it("reads a top-level request id of a dropped frame, never one inside the data", () => {
    const id = (s: string) => requestIdOf(Buffer.from(s));
    assert.equal(id('{"type":"publish","id":"r7","topic":"a","data":{"id":"inner"}}'), "r7");
    assert.equal(id('{"id":12,"type":"ping"}'), "12");
    assert.equal(id('{"type":"publish","topic":"a","data":{"id":"inner"},"id":"late"}'), undefined);
    assert.equal(id('{"type":"publish","topic":"a","data":[1,{"id":"x"}]}'), undefined);
    assert.equal(id("not json at all"), undefined);
    assert.equal(id(`{"id":"${"x".repeat(200)}"}`), undefined);
  });
});
