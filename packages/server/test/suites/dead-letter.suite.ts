/**
 * The shared dead-letter suite: every DeadLetterStore (memory, SQLite, Postgres) runs these
 * cases unchanged. `make` returns a fresh, empty store with the given bounds and clock.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DeadLetterInput, DeadLetterStore } from "../../src/pipeline/dead-letter.js";

export interface DeadLetterHarness {
  make(options: { maxEntries: number; retentionMs: number; now: () => number }): Promise<DeadLetterStore>;
  done(store: DeadLetterStore): Promise<void>;
}

const input = (n: number, source = "feed"): DeadLetterInput => ({
  source,
  stage: "verify",
  code: "bad_signature",
  reason: `refused ${n}`,
  request: { topic: "crawler.news", data: { n, nested: [1, "x", null] }, id: `e${n}`, source },
});

export function deadLetterSuite(name: string, h: DeadLetterHarness): void {
  describe(`DeadLetterStore contract: ${name}`, () => {
    it("keeps entries with reason, stage and the original request; lists oldest first; pages with after", async () => {
      const s = await h.make({ maxEntries: 100, retentionMs: 0, now: () => 5 });
      try {
        const added = [];
        for (const n of [1, 2, 3]) added.push(await s.add(input(n, n === 2 ? "other" : "feed")));
        assert.ok(added[0] && added[1] && added[0].id < added[1].id, "ids increase as strings");
        const all = await s.list({ limit: 10 });
        assert.deepEqual(
          all.map((e) => e.request.data),
          [1, 2, 3].map((n) => ({ n, nested: [1, "x", null] })),
        );
        assert.deepEqual(all[0], { ...input(1), id: added[0]?.id, at: 5 });
        assert.deepEqual(
          (await s.list({ limit: 10, after: all[0]?.id })).map((e) => e.reason),
          ["refused 2", "refused 3"],
        );
        assert.deepEqual(
          (await s.list({ limit: 10, source: "other" })).map((e) => e.reason),
          ["refused 2"],
        );
        assert.deepEqual((await s.list({ limit: 1 })).length, 1);
        assert.equal((await s.get(added[2]?.id as string))?.reason, "refused 3");
        assert.equal(await s.get("999999999999"), undefined);
        assert.equal(await s.count(), 3);
      } finally {
        await h.done(s);
      }
    });

    it("removes exactly the given ids", async () => {
      const s = await h.make({ maxEntries: 100, retentionMs: 0, now: () => 5 });
      try {
        const a = await s.add(input(1));
        const b = await s.add(input(2));
        assert.equal(await s.remove([a.id, "000000000999"]), 1);
        assert.deepEqual(
          (await s.list({ limit: 10 })).map((e) => e.id),
          [b.id],
        );
      } finally {
        await h.done(s);
      }
    });

    it("is bounded by maxEntries (the oldest go) and by retention (old entries go)", async () => {
      let now = 1000;
      const s = await h.make({ maxEntries: 2, retentionMs: 100, now: () => now });
      try {
        for (const n of [1, 2, 3]) await s.add(input(n));
        assert.deepEqual(
          (await s.list({ limit: 10 })).map((e) => e.reason),
          ["refused 2", "refused 3"],
        );
        now = 1200;
        await s.add(input(4));
        assert.deepEqual(
          (await s.list({ limit: 10 })).map((e) => e.reason),
          ["refused 4"],
        );
      } finally {
        await h.done(s);
      }
    });
  });
}
