/**
 * The shared presence suite: every PresenceStore (memory, Redis) runs these cases unchanged.
 * `make` builds a fresh, started store; `done` releases it. Topics are unique per case.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import type { PresenceChange, PresenceStore } from "../../src/engine/presence.js";
import { waitFor } from "../wait-for.js";

/** Options a case may ask of `make`. */
export interface PresenceSuiteOptions {
  /** Seconds a member outlives its node's last heartbeat (stores without expiry ignore it). @default the store's */
  ttlSeconds?: number;
}

export function presenceSuite(
  name: string,
  make: (options?: PresenceSuiteOptions) => Promise<PresenceStore>,
  done: (s: PresenceStore) => Promise<void> = (s) => s.close(),
): void {
  const uniq = () => `p${randomUUID().slice(0, 8)}`;

  describe(`Presence contract: ${name}`, () => {
    it("lists members with user and metadata, and forgets them when they leave", async () => {
      const s = await make();
      try {
        const topic = `${uniq()}.room`;
        await s.join(topic, { client: "c1", user: "alice", meta: { device: "phone" } });
        await s.join(topic, { client: "c2", user: "bob" });
        await s.join(topic, { client: "c3" });
        const all = await s.list(topic, 100);
        assert.equal(all.count, 3);
        const sorted = [...(all.members ?? [])].sort((a, b) => a.client.localeCompare(b.client));
        assert.deepEqual(sorted, [
          { client: "c1", user: "alice", meta: { device: "phone" } },
          { client: "c2", user: "bob" },
          { client: "c3" },
        ]);
        await s.leave(topic, "c2");
        await s.leave(topic, "c2"); // twice is harmless
        const after = await s.list(topic, 100);
        assert.equal(after.count, 2);
        assert.deepEqual((after.members ?? []).map((m) => m.client).sort(), ["c1", "c3"]);
        assert.deepEqual(await s.list(`${topic}.other`, 100), { count: 0, members: [] });
      } finally {
        await done(s);
      }
    });

    it("gives counts without lists above maxMembers", async () => {
      const s = await make();
      try {
        const topic = uniq();
        for (let i = 0; i < 5; i++) await s.join(topic, { client: `c${i}`, user: `u${i}` });
        assert.deepEqual(await s.list(topic, 4), { count: 5, members: undefined });
        assert.equal((await s.list(topic, 5)).members?.length, 5);
        assert.deepEqual(await s.list(topic, 0), { count: 5, members: undefined });
      } finally {
        await done(s);
      }
    });

    it("emits one join per new member and one leave per member that goes", async () => {
      const s = await make();
      try {
        const topic = uniq();
        const changes: PresenceChange[] = [];
        s.onChange((c) => c.topic === topic && changes.push(c));
        await s.join(topic, { client: "c1", user: "alice" });
        await s.join(topic, { client: "c1", user: "alice" }); // rejoin: no new event
        await s.join(topic, { client: "c2" });
        await s.leave(topic, "c1");
        await s.leave(topic, "nobody");
        // A last join as a marker: changes arrive in order, so any extra one comes before it.
        await s.join(topic, { client: "end" });
        await waitFor(() => changes.some((c) => c.info.client === "end"), { what: "the marker's join" });
        assert.deepEqual(changes, [
          { type: "join", topic, info: { client: "c1", user: "alice" } },
          { type: "join", topic, info: { client: "c2" } },
          { type: "leave", topic, info: { client: "c1", user: "alice" } },
          { type: "join", topic, info: { client: "end" } },
        ]);
      } finally {
        await done(s);
      }
    });

    it("keeps members alive across heartbeats", async () => {
      // A 1 s TTL and a heartbeat every 250 ms (the gateway beats every TTL/3): for 2.5 TTLs
      // the member must stay listed, and no leave may be emitted.
      const ttlMs = 1000;
      const s = await make({ ttlSeconds: ttlMs / 1000 });
      try {
        const topic = uniq();
        const leaves: PresenceChange[] = [];
        s.onChange((c) => c.topic === topic && c.type === "leave" && leaves.push(c));
        await s.join(topic, { client: "c1" });
        const start = Date.now();
        while (Date.now() - start < 2.5 * ttlMs) {
          await s.heartbeat();
          assert.equal((await s.list(topic, 10)).count, 1, `listed ${Date.now() - start} ms after joining`);
          await new Promise((r) => setTimeout(r, ttlMs / 4)); // the heartbeat period, not a wait for an event
        }
        await s.heartbeat();
        assert.deepEqual((await s.list(topic, 10)).members, [{ client: "c1" }]);
        assert.deepEqual(leaves, []);
      } finally {
        await done(s);
      }
    });
  });
}
