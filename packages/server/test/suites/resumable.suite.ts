/**
 * The shared resumable-sessions suite: every ResumableSessions (memory, Redis) runs these
 * cases unchanged. `make` builds a fresh store; `done` releases it. Session ids are unique per case.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import type { ResumableSessions, ResumableState } from "../../src/engine/resumable.js";

const state = (user: string): ResumableState => ({
  principal: { user, anonymous: false, claims: { sub: user } },
  streamEpoch: "e1",
  implicitFrom: 10,
  personalFrom: 12,
  subscriptions: [
    { name: "news.sport", pattern: false, from: 3, epoch: "t1" },
    { name: "market.>", pattern: true, from: 11, presence: true, meta: { seat: 4 } },
  ],
});

/** Polls `cond` until it holds; fails naming `what` after `ms`. */
async function eventually(what: string, cond: () => Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

export function resumableSuite(
  name: string,
  make: () => Promise<ResumableSessions>,
  done: (s: ResumableSessions) => Promise<void> = (s) => s.close(),
): void {
  const pid = () => `pid-${randomUUID()}`;

  describe(`ResumableSessions contract: ${name}`, () => {
    it("returns the saved state to a claim, field for field", async () => {
      const s = await make();
      try {
        const id = pid();
        assert.equal(await s.save(id, "a", state("alice"), 60_000), true);
        assert.deepEqual(await s.claim(id, "b", 60_000), state("alice"));
      } finally {
        await done(s);
      }
    });

    it("claims nothing for an unknown id", async () => {
      const s = await make();
      try {
        assert.equal(await s.claim(pid(), "b", 60_000), undefined);
      } finally {
        await done(s);
      }
    });

    it("refuses a save by the old owner once another owner claimed the record", async () => {
      const s = await make();
      try {
        const id = pid();
        await s.save(id, "old", state("alice"), 60_000);
        await s.claim(id, "new", 60_000);
        assert.equal(await s.save(id, "old", state("mallory"), 60_000), false);
        assert.equal(await s.save(id, "new", state("alice"), 60_000), true);
        assert.deepEqual((await s.claim(id, "newer", 60_000))?.principal.user, "alice");
      } finally {
        await done(s);
      }
    });

    it("lets only the owner remove a record", async () => {
      const s = await make();
      try {
        const id = pid();
        await s.save(id, "a", state("alice"), 60_000);
        await s.remove(id, "someone-else");
        assert.equal((await s.claim(id, "a", 60_000))?.principal.user, "alice");
        await s.remove(id, "a");
        assert.equal(await s.claim(id, "a", 60_000), undefined);
      } finally {
        await done(s);
      }
    });

    it("forgets a record when its time to live runs out", async () => {
      const s = await make();
      try {
        const id = pid();
        await s.save(id, "a", state("alice"), 40);
        // No event marks an expiry: wait past the time to live, then look once (a claim that
        // finds the record would renew it, so polling with claims could keep it alive).
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(await s.claim(id, "b", 40), undefined);
      } finally {
        await done(s);
      }
    });

    it("keeps a touched record of its owner alive and lets another owner's record expire", async () => {
      const s = await make();
      try {
        const kept = pid();
        const other = pid();
        await s.save(kept, "a", state("alice"), 300);
        await s.save(other, "b", state("bob"), 300);
        await s.touch(
          [
            { pid: kept, owner: "a" },
            { pid: other, owner: "not-b" },
          ],
          60_000,
        );
        await eventually("the untouched record to expire", async () => {
          const r = await s.save(other, "probe", state("x"), 60_000);
          if (!r) return false;
          await s.remove(other, "probe");
          return true;
        });
        assert.equal((await s.claim(kept, "a", 60_000))?.principal.user, "alice");
      } finally {
        await done(s);
      }
    });
  });
}
