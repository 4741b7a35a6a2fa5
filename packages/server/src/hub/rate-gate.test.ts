import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HeraldEvent } from "@herald/protocol";
import { OutboundEvent } from "./outbound.js";
import { RateGate } from "./rate-gate.js";

let offset = 0;
function ev(topic: string, data: unknown): OutboundEvent {
  offset++;
  const event: HeraldEvent = {
    id: String(offset),
    topic,
    event: "m",
    data,
    timestamp: 1,
    seq: offset,
    epoch: "e",
    offset,
  };
  return new OutboundEvent(event, JSON.stringify(event));
}

describe("RateGate", () => {
  it("conflate: delivers the first event at once, then only the latest per key", () => {
    let now = 0;
    const flushed: unknown[][] = [];
    const gate = new RateGate(
      { intervalMs: 100, mode: "conflate", key: "sym" },
      (outs) => flushed.push(outs.map((o) => o.event.data)),
      100,
      () => now,
    );
    gate.offer(ev("p", { sym: "A", v: 1 }));
    gate.offer(ev("p", { sym: "A", v: 2 }));
    gate.offer(ev("p", { sym: "B", v: 1 }));
    gate.offer(ev("p", { sym: "A", v: 3 }));
    assert.deepEqual(flushed, [[{ sym: "A", v: 1 }]]);
    now = 100;
    gate.release();
    assert.deepEqual(flushed[1], [
      { sym: "B", v: 1 },
      { sym: "A", v: 3 },
    ]);
    gate.close();
  });

  it("batch: holds every event of the interval, in order, and flushes on its timer", async () => {
    const flushed = new Promise<unknown[]>((resolve) => {
      let calls = 0;
      const gate = new RateGate(
        { intervalMs: 20, mode: "batch" },
        (outs) => {
          if (++calls === 2) resolve(outs.map((o) => o.event.data));
        },
        100,
      );
      for (const n of [1, 2, 3, 4]) gate.offer(ev("t", n));
    });
    // A referenced deadline timer: the gate's own timer is unref'd and must not be all that
    // keeps the test's event loop alive.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error("no batch flushed by its 20 ms timer within 5 s")), 5000);
    });
    try {
      assert.deepEqual(await Promise.race([flushed, deadline]), [2, 3, 4]);
    } finally {
      clearTimeout(timer);
    }
  });

  it("flushes early when maxHeld is reached instead of growing", () => {
    const flushed: number[] = [];
    const gate = new RateGate({ intervalMs: 60_000, mode: "batch" }, (outs) => flushed.push(outs.length), 3);
    for (let i = 0; i < 7; i++) gate.offer(ev("t", i));
    assert.deepEqual(flushed, [1, 3, 3]);
    gate.close();
  });

  it("reduces recovered events like live ones: conflate keeps the latest per key, batch keeps all", () => {
    const list = [ev("a", 1), ev("b", 2), ev("a", 3)].map((o) => o.event);
    const conflate = new RateGate({ intervalMs: 10, mode: "conflate" }, () => {}, 10);
    assert.deepEqual(
      conflate.reduce(list).map((e) => e.data),
      [2, 3],
    );
    const batch = new RateGate({ intervalMs: 10, mode: "batch" }, () => {}, 10);
    assert.equal(batch.reduce(list).length, 3);
  });
});
