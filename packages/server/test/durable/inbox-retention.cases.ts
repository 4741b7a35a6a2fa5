/**
 * Inbox retention and broadcast unread changes through the real gateway, shared by the SQLite
 * (`inbox-retention.test.ts`) and Postgres (`integration/inbox-retention-postgres.test.ts`) runs.
 * `store` gives each case a fresh store configuration; `cleanup` removes what it left.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { mintToken } from "../../src/auth/jwt.js";
import type { HeraldConfigInput } from "../../src/config.js";
import { getJson, postJson, type Running, sleep, startGateway, TestClient } from "../helpers.js";

const SECRET = "retention-test-secret-0123456789abcdef";
const KEY = "retention-test-api-key-0123456789";
const api = { "x-api-key": KEY };
const as = async (user: string) => ({ authorization: `Bearer ${await mintToken(SECRET, user)}` });
const DAY_MS = 86_400_000;

async function titles(g: Running, user: string): Promise<string[]> {
  const res = await getJson(`${g.url}/api/me/notifications?limit=100`, await as(user));
  return (res.body.notifications as Array<{ title: string }>).map((n) => n.title);
}

/** Polls until `check` holds (the sweep runs in the background); fails after 15 s. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`never happened: ${what}`);
    await sleep(50);
  }
}

export function inboxRetentionCases(
  name: string,
  store: () => HeraldConfigInput["store"],
  cleanup: () => Promise<void>,
) {
  describe(`inbox retention and broadcast unread changes: ${name}`, () => {
    after(cleanup);
    const config = (inbox: HeraldConfigInput["inbox"]): HeraldConfigInput => ({
      auth: { jwtSecret: SECRET, apiKeys: [KEY], anonymous: false },
      store: { ...store(), retentionSweepMs: 100 },
      inbox,
    });

    it("keeps only each user's newest inbox.maxPerUser, in the background", async () => {
      const g = await startGateway(config({ maxPerUser: 3, ttlDays: 0 }));
      try {
        for (let i = 1; i <= 5; i++) {
          const sent = await postJson(`${g.url}/api/users/alice/notifications`, { title: `a${i}`, message: "m" }, api);
          assert.equal(sent.status, 201);
        }
        await postJson(`${g.url}/api/users/bob/notifications`, { title: "b1", message: "m" }, api);
        await eventually("alice's inbox capped at 3", async () => (await titles(g, "alice")).length === 3);
        assert.deepEqual(await titles(g, "alice"), ["a5", "a4", "a3"]);
        assert.equal((await getJson(`${g.url}/api/me/notifications/unread-count`, await as("alice"))).body.unread, 3);
        assert.deepEqual(await titles(g, "bob"), ["b1"], "other users keep theirs");
      } finally {
        await g.close();
      }
    });

    it("drops notifications older than inbox.ttlDays, read or not", async () => {
      const g = await startGateway(config({ maxPerUser: 0, ttlDays: 30 }));
      try {
        const s = await g.gateway.storage.store.get();
        const now = Date.now();
        await s.addNotifications(["carol"], { title: "31 days old", message: "m" }, now - 31 * DAY_MS);
        await s.addNotifications(["*"], { title: "old to everyone", message: "m" }, now - 40 * DAY_MS);
        await s.addNotifications(["carol"], { title: "29 days old", message: "m" }, now - 29 * DAY_MS);
        await postJson(`${g.url}/api/users/carol/notifications`, { title: "new", message: "m" }, api);
        await eventually("old notifications removed", async () => (await titles(g, "carol")).length === 2);
        assert.deepEqual(await titles(g, "carol"), ["new", "29 days old"]);
      } finally {
        await g.close();
      }
    });

    it("keeps everything with maxPerUser 0 and ttlDays 0", async () => {
      const g = await startGateway(config({ maxPerUser: 0, ttlDays: 0 }));
      try {
        const s = await g.gateway.storage.store.get();
        await s.addNotifications(["dave"], { title: "ancient", message: "m" }, 1000);
        for (let i = 1; i <= 4; i++) {
          await postJson(`${g.url}/api/users/dave/notifications`, { title: `d${i}`, message: "m" }, api);
        }
        assert.equal(g.gateway.inboxRetention.enabled, false);
        assert.equal(await g.gateway.inboxRetention.sweep(), 0);
        assert.deepEqual(await titles(g, "dave"), ["d4", "d3", "d2", "d1", "ancient"]);
      } finally {
        await g.close();
      }
    });

    it("tells every connection that unread counts changed after a notification to everyone", async () => {
      const g = await startGateway(config({}));
      const alice = await as("alice");
      const bob = await as("bob");
      const ca = await TestClient.connect(g.wsUrl, { headers: alice });
      const cb = await TestClient.connect(g.wsUrl, { headers: bob });
      try {
        await postJson(`${g.url}/api/users/alice/notifications`, { title: "own", message: "m" }, api);
        await ca.next((f) => f.type === "event" && f.event === "unread_count");
        const sent = await postJson(
          `${g.url}/api/notifications`,
          { all: true, title: "Maintenance", message: "m" },
          api,
        );
        assert.equal(sent.status, 201);
        const id = (sent.body.ids as string[])[0];
        for (const c of [ca, cb]) {
          const n = await c.next((f) => f.type === "event" && f.event === "notification" && f.topic === "broadcast");
          assert.equal((n.data as { id: string }).id, id);
          const changed = await c.next((f) => f.type === "event" && f.event === "unread_changed");
          assert.equal(changed.topic, "broadcast");
          assert.deepEqual(changed.data, { id, delta: 1 });
        }
        // Counts differ per user; each rose by delta, which the refetch confirms.
        assert.equal((await getJson(`${g.url}/api/me/notifications/unread-count`, alice)).body.unread, 2);
        assert.equal((await getJson(`${g.url}/api/me/notifications/unread-count`, bob)).body.unread, 1);
      } finally {
        ca.close();
        cb.close();
        await g.close();
      }
    });
  });
}
