/**
 * The shared compute-store suite: memory, SQLite and Postgres run these cases unchanged.
 * `make` returns a fresh, open, empty store; `reopen` opens the same data again (a restart;
 * the memory store returns itself); `done` closes and removes it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ComputeStore } from "../../src/compute/compute-store.js";

export interface ComputeStoreHarness {
  make(): Promise<ComputeStore>;
  reopen(store: ComputeStore): Promise<ComputeStore>;
  done(store: ComputeStore): Promise<void>;
}

export function computeStoreSuite(name: string, h: ComputeStoreHarness): void {
  describe(`ComputeStore contract: ${name}`, () => {
    it("puts, replaces, reads back after a reopen and removes records by kind and id", async () => {
      let s = await h.make();
      try {
        await s.put("alert_rule", "r1", { threshold: 0.3, nested: { list: [1, "two", null] } });
        await s.put("alert_rule", "r1", { threshold: 0.4 });
        await s.put("aggregation", "r1", { other: true });
        s = await h.reopen(s);
        assert.deepEqual(await s.get("alert_rule", "r1"), { threshold: 0.4 });
        assert.deepEqual(await s.get("aggregation", "r1"), { other: true });
        assert.equal(await s.get("alert_rule", "missing"), undefined);
        assert.equal(await s.remove("alert_rule", "r1"), true);
        assert.equal(await s.remove("alert_rule", "r1"), false);
        assert.equal(await s.get("alert_rule", "r1"), undefined);
        assert.deepEqual(await s.get("aggregation", "r1"), { other: true });
      } finally {
        await h.done(s);
      }
    });

    it("inserts only new ids, so a repeated chunk id changes nothing", async () => {
      const s = await h.make();
      try {
        assert.equal(await s.insert("stream_chunk", "s1/c1", { n: 1 }), true);
        assert.equal(await s.insert("stream_chunk", "s1/c1", { n: 2 }), false);
        assert.deepEqual(await s.get("stream_chunk", "s1/c1"), { n: 1 });
      } finally {
        await h.done(s);
      }
    });

    it("lists by id prefix in ascending id order, treating % and _ literally", async () => {
      const s = await h.make();
      try {
        for (const id of ["s1/b", "s1/a", "s10/a", "s2/a", "s_/x", "s%/y"]) await s.put("stream_chunk", id, { id });
        assert.deepEqual(
          (await s.list("stream_chunk", "s1/")).map((r) => r.id),
          ["s1/a", "s1/b"],
        );
        assert.deepEqual(
          (await s.list("stream_chunk", "s_")).map((r) => r.id),
          ["s_/x"],
        );
        assert.equal((await s.list("stream_chunk")).length, 6);
        assert.equal(await s.removePrefix("stream_chunk", "s1/"), 2);
        assert.deepEqual(
          (await s.list<{ id: string }>("stream_chunk", "s")).map((r) => r.doc.id),
          ["s%/y", "s10/a", "s2/a", "s_/x"].sort(),
        );
      } finally {
        await h.done(s);
      }
    });

    it("keeps series points by (name, at), replacing a point written twice, and reads a range in order", async () => {
      let s = await h.make();
      try {
        await s.appendSeries("posts", [
          { at: 3000, value: { count: 3 } },
          { at: 1000, value: { count: 1 } },
          { at: 2000, value: { count: 2 } },
        ]);
        await s.appendSeries("posts", [{ at: 2000, value: { count: 20 } }]);
        await s.appendSeries("other", [{ at: 2000, value: { count: 99 } }]);
        s = await h.reopen(s);
        assert.deepEqual(await s.series("posts", 1500, 3000, 100), [
          { at: 2000, value: { count: 20 } },
          { at: 3000, value: { count: 3 } },
        ]);
        assert.deepEqual(await s.series("posts", 0, 10_000, 1), [{ at: 1000, value: { count: 1 } }]);
        assert.equal(await s.trimSeries(2500), 3);
        assert.deepEqual(await s.series("posts", 0, 10_000, 100), [{ at: 3000, value: { count: 3 } }]);
        assert.equal(await s.dropSeries("posts"), 1);
        assert.deepEqual(await s.series("posts", 0, 10_000, 100), []);
      } finally {
        await h.done(s);
      }
    });
  });
}
