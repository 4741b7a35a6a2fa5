/**
 * The shared lifecycle-log suite (webhooks/lifecycle-log.ts): the memory and Redis logs run
 * these cases unchanged. `make(node)` opens a log as the given node (the memory log has only
 * one node: cases about several nodes run where `nodes` is true); each case uses a fresh queue.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LifecycleFields } from "../../src/webhooks/lifecycle-event.js";
import type { LifecycleLog } from "../../src/webhooks/lifecycle-log.js";

export interface LifecycleLogMaker {
  /** A log seen from `node`, on a queue of at most `maxQueue` events shared by every node of the same case. */
  make(node: string, maxQueue?: number): Promise<LifecycleLog>;
  /** Starts a new, empty queue for the next case. */
  fresh(): Promise<void>;
  /** Whether several nodes share the log. */
  nodes: boolean;
}

const occupied = (topic: string): LifecycleFields => ({ name: "channel_occupied", topic });
const vacated = (topic: string): LifecycleFields => ({ name: "channel_vacated", topic });
const names = (events: Array<{ name: string; topic?: string }>) => events.map((e) => `${e.name}:${e.topic ?? ""}`);

async function hold(log: LifecycleLog, topic: string, up: boolean): Promise<void> {
  await log.hold(`channel|${topic}`, up, occupied(topic), vacated(topic));
}

export function lifecycleLogSuite(name: string, m: LifecycleLogMaker): void {
  describe(`LifecycleLog contract: ${name}`, () => {
    it("queues up on the first hold and down on the last release, in order, with increasing ids", async () => {
      await m.fresh();
      const log = await m.make("n1");
      await hold(log, "a", true);
      await hold(log, "a", true); // held already: nothing
      await hold(log, "b", true);
      await hold(log, "a", false);
      await hold(log, "a", false); // not held: nothing
      const events = await log.read(10);
      assert.deepEqual(names(events), ["channel_occupied:a", "channel_occupied:b", "channel_vacated:a"]);
      const ids = events.map((e) => e.id);
      assert.deepEqual([...ids].sort(byId), ids, "ids increase in the order of the events");
      assert.ok(
        events.every((e) => Math.abs(e.time - Date.now()) < 60_000),
        "time is when it happened",
      );
    });

    it("read does not consume; ack drops up to the id, and only forward", async () => {
      await m.fresh();
      const log = await m.make("n1");
      for (const t of ["a", "b", "c"]) await hold(log, t, true);
      const first = await log.read(2);
      assert.deepEqual(names(await log.read(2)), names(first), "reading twice gives the same");
      await log.ack((first[1] as { id: string }).id);
      assert.deepEqual(names(await log.read(10)), ["channel_occupied:c"]);
      await log.ack((first[0] as { id: string }).id); // backwards: ignored
      assert.deepEqual(names(await log.read(10)), ["channel_occupied:c"]);
    });

    it("keeps at most maxQueue events, dropping the oldest and counting them", async () => {
      await m.fresh();
      const log = await m.make("n1", 3);
      for (const t of ["a", "b", "c", "d", "e"]) await hold(log, t, true);
      assert.deepEqual(names(await log.read(10)), ["channel_occupied:c", "channel_occupied:d", "channel_occupied:e"]);
      assert.equal(await log.dropped(), 2);
    });

    it("releaseSelf queues the down event of everything still held", async () => {
      await m.fresh();
      const log = await m.make("n1");
      await hold(log, "a", true);
      await hold(log, "b", true);
      await log.releaseSelf();
      const got = names(await log.read(10))
        .slice(2)
        .sort();
      assert.deepEqual(got, ["channel_vacated:a", "channel_vacated:b"]);
    });

    // Cases about several nodes exist only where several nodes share the log.
    if (!m.nodes) return;

    it("across nodes: one up when the first node holds, one down when the last lets go", async () => {
      await m.fresh();
      const a = await m.make("node-a");
      const b = await m.make("node-b");
      await hold(a, "t", true);
      await hold(b, "t", true);
      await hold(a, "t", false);
      assert.deepEqual(names(await a.read(10)), ["channel_occupied:t"], "b still holds it");
      await hold(b, "t", false);
      assert.deepEqual(names(await b.read(10)), ["channel_occupied:t", "channel_vacated:t"]);
    });

    it("a silent node's holdings are let go by another; when it comes back it learns so", async () => {
      await m.fresh();
      const a = await m.make("node-a");
      const b = await m.make("node-b");
      await hold(a, "x", true);
      await hold(b, "y", true);
      await hold(a, "shared", true);
      await hold(b, "shared", true);
      await new Promise((r) => setTimeout(r, 1100));
      assert.equal(await b.heartbeat(), false, "b was marked all along");
      assert.equal(await b.release(1000), 1, "a is silent for over 1 s: let go");
      const after = names(await b.read(10)).slice(3);
      assert.deepEqual(after, ["channel_vacated:x"], "shared is still held by b; y is b's own");
      assert.equal(await a.heartbeat(), true, "a learns that it was taken for gone");
      assert.equal(await b.release(1000), 0);
    });
  });
}

function byId(x: string, y: string): number {
  const [xm, xs] = x.split("-").map(Number) as [number, number];
  const [ym, ys] = y.split("-").map(Number) as [number, number];
  return xm - ym || xs - ys;
}
