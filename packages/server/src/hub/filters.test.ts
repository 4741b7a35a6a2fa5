import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HeraldEvent } from "@herald/protocol";
import { FilterRegistry } from "./filters.js";
import { OutboundEvent } from "./outbound.js";

/** An event whose `data.category` counts how often a filter reads it. */
function counted(category: string, reads: { n: number }): OutboundEvent {
  const data = {
    get category() {
      reads.n++;
      return category;
    },
  };
  const event: HeraldEvent = {
    id: "1",
    topic: "t",
    event: "message",
    data,
    timestamp: 1,
    seq: 1,
    epoch: "e",
    offset: 1,
  };
  return new OutboundEvent(event, "{}");
}

describe("FilterRegistry", () => {
  it("shares one filter among equal filters (key order aside) and evaluates it once per event", () => {
    const filters = new FilterRegistry();
    const a = filters.acquire({ category: { in: ["x", "y"] }, seq: { gte: 1 } });
    const b = filters.acquire({ seq: { gte: 1 }, category: { in: ["x", "y"] } });
    assert.equal(a, b);
    assert.equal(filters.size, 1);
    const reads = { n: 0 };
    const out = counted("x", reads);
    for (let i = 0; i < 1000; i++) assert.equal((i % 2 === 0 ? a : b).matches(out), true);
    assert.equal(reads.n, 1, "one evaluation for a thousand subscribers");
    const other = counted("z", reads);
    assert.equal(a.matches(other), false);
    assert.equal(reads.n, 2);
  });

  it("drops a filter when its last holder releases it", () => {
    const filters = new FilterRegistry();
    const a = filters.acquire({ category: "x" });
    filters.acquire({ category: "x" });
    filters.release(a);
    assert.equal(filters.size, 1);
    filters.release(a);
    assert.equal(filters.size, 0);
    assert.notEqual(filters.acquire({ category: "x" }), a);
  });

  it("refuses a bad filter with invalid_filter and applies the configured limits", () => {
    const filters = new FilterRegistry({ maxConditions: 2, maxListSize: 2, maxDepth: 1 });
    assert.throws(() => filters.acquire({ a: { between: 1 } }), { code: "invalid_filter" });
    assert.throws(() => filters.acquire({ a: 1, b: 2, c: 3 }), { code: "invalid_filter" });
    assert.throws(() => filters.acquire({ a: { in: [1, 2, 3] } }), { code: "invalid_filter" });
    assert.equal(filters.size, 0);
  });
});
