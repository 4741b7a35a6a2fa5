/**
 * The shared store suites, one per interface of the store (`HistoryStore`, `StateSnapshotStore`,
 * `InboxStore`) and the store's own connection (`probe`): every Store implementation (SQLite,
 * Postgres) runs them unchanged through `storeSuite`. `make` returns a fresh, open, empty store;
 * `reopen` opens the same data again (a restart); `done` closes and removes it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HeraldEvent } from "@herald/protocol";
import type { Store } from "../../src/store/store.js";

export interface StoreHarness {
  make(): Promise<Store>;
  reopen(store: Store): Promise<Store>;
  done(store: Store): Promise<void>;
}

const ev = (topic: string, seq: number, offset: number, extra: Partial<HeraldEvent> = {}): HeraldEvent => ({
  id: `${topic}-${seq}`,
  topic,
  event: "message",
  data: { n: seq, nested: { ok: true }, list: [1, "two", null] },
  timestamp: 1_700_000_000_000 + offset,
  seq,
  epoch: "e1",
  offset,
  ...extra,
});

/** Every suite of the store, for one implementation. */
export function storeSuite(name: string, h: StoreHarness): void {
  historyStoreSuite(name, h);
  stateSnapshotStoreSuite(name, h);
  inboxStoreSuite(name, h);
  describe(`Store contract: ${name}`, () => {
    it("probe commits a write of its own and leaves history, positions and inboxes untouched", async () => {
      const s = await h.make();
      try {
        await s.append([ev("p", 1, 1)], { epoch: "s1", offset: 1 });
        await s.probe();
        await s.probe();
        assert.deepEqual(await s.topics(), [{ topic: "p", epoch: "e1", seq: 1 }]);
        assert.deepEqual(await s.streamPosition(), { epoch: "s1", offset: 1 });
        assert.deepEqual(
          (await s.events("p", 0, 10)).map((e) => e.id),
          ["p-1"],
        );
        assert.equal(await s.unreadCount("anyone"), 0);
      } finally {
        await h.done(s);
      }
    });
  });
}

/** `HistoryStore`: batches committed whole with their positions, reads in order, trimming. */
export function historyStoreSuite(name: string, h: StoreHarness): void {
  describe(`HistoryStore contract: ${name}`, () => {
    it("commits a batch with topic and stream positions, and reads it back in order", async () => {
      let s = await h.make();
      try {
        const batch = [ev("a", 1, 1), ev("b", 1, 2), ev("a", 2, 3, { source: "src", sig: "sig" }), ev("a", 3, 4)];
        await s.append(batch.slice(0, 2), { epoch: "s1", offset: 2 });
        await s.append(batch.slice(2), { epoch: "s1", offset: 7 });
        s = await h.reopen(s);
        const topics = (await s.topics()).sort((x, y) => x.topic.localeCompare(y.topic));
        assert.deepEqual(topics, [
          { topic: "a", epoch: "e1", seq: 3 },
          { topic: "b", epoch: "e1", seq: 1 },
        ]);
        assert.deepEqual(await s.topic("a"), { topic: "a", epoch: "e1", seq: 3 });
        assert.equal(await s.topic("none"), undefined);
        assert.deepEqual(await s.events("a", 0, 10), [batch[0], batch[2], batch[3]]);
        assert.deepEqual(await s.events("a", 1, 1), [batch[2]]);
        assert.deepEqual(await s.streamTail(3), [batch[1], batch[2], batch[3]]);
        assert.deepEqual(await s.streamPosition(), { epoch: "s1", offset: 7 });
      } finally {
        await h.done(s);
      }
    });

    it("writes nothing of a batch that fails", async () => {
      const s = await h.make();
      try {
        await s.append([ev("a", 1, 1)], { epoch: "s1", offset: 1 });
        // seq 1 again violates the (topic, seq) key: the whole batch must roll back.
        await assert.rejects(s.append([ev("a", 2, 2), ev("a", 1, 3)], { epoch: "s1", offset: 3 }));
        assert.deepEqual(
          (await s.events("a", 0, 10)).map((e) => e.seq),
          [1],
        );
        assert.deepEqual(await s.streamPosition(), { epoch: "s1", offset: 1 });
        assert.deepEqual(await s.topics(), [{ topic: "a", epoch: "e1", seq: 1 }]);
      } finally {
        await h.done(s);
      }
    });

    it("trims the oldest events by count and by age, keeping the topic position", async () => {
      const s = await h.make();
      try {
        assert.equal(await s.trimmedOffset(), 0);
        const events = Array.from({ length: 10 }, (_, i) => ev("t", i + 1, i + 1));
        await s.append(events, { epoch: "s1", offset: 10 });
        assert.equal(await s.trim("t", 4, 0), 4);
        assert.deepEqual(
          (await s.events("t", 0, 100)).map((e) => e.seq),
          [5, 6, 7, 8, 9, 10],
        );
        // Age: events with timestamp before offset 8's are dropped.
        assert.equal(await s.trim("t", 0, 1_700_000_000_008), 3);
        assert.deepEqual(
          (await s.events("t", 0, 100)).map((e) => e.seq),
          [8, 9, 10],
        );
        assert.deepEqual(await s.topics(), [{ topic: "t", epoch: "e1", seq: 10 }]);
        assert.equal(await s.trimmedOffset(), 7, "the highest offset removed");
      } finally {
        await h.done(s);
      }
    });
  });
}

/** `StateSnapshotStore`: the newest checkpoint per topic. */
export function stateSnapshotStoreSuite(name: string, h: StoreHarness): void {
  describe(`StateSnapshotStore contract: ${name}`, () => {
    it("saves and replaces state snapshots", async () => {
      let s = await h.make();
      try {
        assert.equal(await s.loadSnapshot("st"), undefined);
        await s.saveSnapshot({ topic: "st", epoch: "e", seq: 3, state: { a: 1 }, clocks: { a: "x" } });
        await s.saveSnapshot({
          topic: "st",
          epoch: "e",
          seq: 9,
          state: { a: 2, b: { c: [1] } },
          clocks: { a: "y", b: "z" },
        });
        s = await h.reopen(s);
        assert.deepEqual(await s.loadSnapshot("st"), {
          topic: "st",
          epoch: "e",
          seq: 9,
          state: { a: 2, b: { c: [1] } },
          clocks: { a: "y", b: "z" },
        });
      } finally {
        await h.done(s);
      }
    });
  });
}

/** `InboxStore`: per-user notifications, read marks, retention. */
export function inboxStoreSuite(name: string, h: StoreHarness): void {
  describe(`InboxStore contract: ${name}`, () => {
    it("keeps each user's inbox apart, newest first, with unread counts and read marks", async () => {
      const s = await h.make();
      try {
        const [n1] = await s.addNotifications(["alice"], { title: "one", message: "m1" }, 1000);
        const [n2, b2] = await s.addNotifications(
          ["alice", "bob"],
          { title: "two", message: "m2", type: "alert", priority: "urgent", actionUrl: "/x", data: { k: [1] } },
          2000,
        );
        const [all] = await s.addNotifications(["*"], { title: "all", message: "everyone" }, 3000);
        assert.ok(n1 && n2 && b2 && all);
        const list = await s.listNotifications("alice", { limit: 10 });
        assert.deepEqual(
          list.map((n) => n.title),
          ["all", "two", "one"],
        );
        assert.deepEqual(list[1], {
          id: n2.id,
          user: "alice",
          title: "two",
          message: "m2",
          type: "alert",
          priority: "urgent",
          actionUrl: "/x",
          data: { k: [1] },
          createdAt: 2000,
          read: false,
        });
        assert.equal(list[2]?.type, "info");
        assert.equal(list[2]?.priority, "medium");
        assert.equal(await s.unreadCount("alice"), 3);
        assert.equal(await s.unreadCount("bob"), 2);
        assert.equal(await s.unreadCount("carol"), 1);
        // Bob cannot mark Alice's notification.
        assert.equal(await s.markRead("bob", n1.id), false);
        assert.equal(await s.markRead("alice", n1.id), true);
        assert.equal(await s.markRead("alice", all.id), true);
        assert.equal(await s.unreadCount("alice"), 1);
        assert.equal(await s.unreadCount("bob"), 2, "a broadcast read by alice stays unread for bob");
        assert.deepEqual(
          (await s.listNotifications("alice", { limit: 10, unread: true })).map((n) => n.id),
          [n2.id],
        );
        // Pagination by cursor.
        const page1 = await s.listNotifications("alice", { limit: 2 });
        const page2 = await s.listNotifications("alice", { limit: 2, before: page1[1]?.id as string });
        assert.deepEqual(
          [...page1, ...page2].map((n) => n.title),
          ["all", "two", "one"],
        );
        assert.equal(await s.markAllRead("bob"), 2);
        assert.equal(await s.unreadCount("bob"), 0);
        assert.equal(await s.markAllRead("bob"), 0);
        assert.equal(await s.unreadCount("alice"), 1);
      } finally {
        await h.done(s);
      }
    });

    it("prunes inbox notifications by age and by count per addressee, with their read marks", async () => {
      let s = await h.make();
      try {
        for (let t = 1; t <= 5; t++) await s.addNotifications(["alice"], { title: `a${t}`, message: "m" }, t * 1000);
        await s.addNotifications(["bob"], { title: "b1", message: "m" }, 1000);
        const [old] = await s.addNotifications(["*"], { title: "all-old", message: "m" }, 1500);
        await s.addNotifications(["*"], { title: "all-new", message: "m" }, 6000);
        assert.ok(old);
        assert.equal(await s.markRead("bob", old.id), true);
        assert.equal(await s.pruneNotifications(0, 0), 0, "0 and 0 keep everything");
        // Age: everything created before t = 2000 goes (a1, b1, all-old).
        assert.equal(await s.pruneNotifications(0, 2000), 3);
        assert.deepEqual(
          (await s.listNotifications("alice", { limit: 10 })).map((n) => n.title),
          ["all-new", "a5", "a4", "a3", "a2"],
        );
        assert.deepEqual(
          (await s.listNotifications("bob", { limit: 10 })).map((n) => n.title),
          ["all-new"],
        );
        // Count: the newest 2 per addressee; "*" is its own addressee, so all-new stays.
        assert.equal(await s.pruneNotifications(2, 0), 2);
        s = await h.reopen(s);
        assert.deepEqual(
          (await s.listNotifications("alice", { limit: 10 })).map((n) => n.title),
          ["all-new", "a5", "a4"],
        );
        assert.equal(await s.unreadCount("alice"), 3);
        assert.equal(await s.unreadCount("bob"), 1);
        assert.equal(await s.markRead("bob", old.id), false, "a removed notification is gone for everyone");
        assert.equal(await s.pruneNotifications(2, 0), 0, "idempotent");
      } finally {
        await h.done(s);
      }
    });
  });
}
