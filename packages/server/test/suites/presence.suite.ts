/**
 * The shared presence suite: every PresenceStore (memory, Redis) runs these cases unchanged.
 * `make` builds a fresh, started store; `done` releases it. Topics are unique per case.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import type { PresenceChange, PresenceStore } from "../../src/engine/presence.js";

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
};

export function presenceSuite(
  name: string,
  make: () => Promise<PresenceStore>,
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
        await until(() => changes.length >= 3);
        await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(changes, [
          { type: "join", topic, info: { client: "c1", user: "alice" } },
          { type: "join", topic, info: { client: "c2" } },
          { type: "leave", topic, info: { client: "c1", user: "alice" } },
        ]);
      } finally {
        await done(s);
      }
    });

    it("keeps members alive across heartbeats", async () => {
      const s = await make();
      try {
        const topic = uniq();
        await s.join(topic, { client: "c1" });
        await s.heartbeat();
        await s.heartbeat();
        assert.equal((await s.list(topic, 10)).count, 1);
      } finally {
        await done(s);
      }
    });
  });
}
