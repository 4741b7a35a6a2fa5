import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addSample, fold, liveNodes, type StatsSample, WINDOW } from "./stats.js";

function sample(node: string, at: number, over: Partial<StatsSample> = {}): StatsSample {
  return {
    node,
    at,
    intervalMs: 1000,
    connections: 1,
    subscriptions: 2,
    users: 1,
    eventsIn: 10,
    eventsOut: 100,
    errors: 0,
    latencyMs: { p50: 1, p90: 2, p99: 3 },
    topics: [],
    ...over,
  };
}

describe("dashboard stats window", () => {
  it("keeps a bounded window per node, in time order, without replayed duplicates", () => {
    let s = new Map<string, StatsSample[]>();
    for (let i = 0; i < WINDOW + 5; i++) s = addSample(s, sample("a", i * 1000));
    assert.equal(s.get("a")?.length, WINDOW);
    assert.equal(s.get("a")?.[0]?.at, 5000);
    s = addSample(s, sample("a", 10_000)); // replayed after a reconnect
    assert.equal(s.get("a")?.length, WINDOW);
  });

  it("adds nodes up per interval and takes the worst latency percentile", () => {
    let s = new Map<string, StatsSample[]>();
    s = addSample(s, sample("a", 1000));
    s = addSample(s, sample("b", 1010, { eventsIn: 5, latencyMs: { p50: 4, p90: null, p99: 9 } }));
    s = addSample(s, sample("a", 2000));
    const all = fold(s, ["a", "b"], 1000);
    assert.deepEqual(all.t, [1.01, 2]);
    assert.deepEqual(all.eventsIn, [15, 10]);
    assert.deepEqual(all.connections, [2, 1]);
    assert.deepEqual(all.p50, [4, 1]);
    assert.deepEqual(all.p90, [2, 2]);
    assert.deepEqual(all.p99, [9, 3]);
    assert.deepEqual(fold(s, ["b"], 1000).eventsIn, [5]);
  });

  it("lists the nodes that reported recently", () => {
    let s = new Map<string, StatsSample[]>();
    s = addSample(s, sample("old", 1000));
    s = addSample(s, sample("new", 60_000));
    assert.deepEqual(liveNodes(s, 10_000), ["new"]);
  });
});
