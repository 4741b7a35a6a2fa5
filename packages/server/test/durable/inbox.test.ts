/**
 * The inbox through the real gateway: stored before delivered, live to every connection of the
 * user, unread counts pushed, read marks, a broadcast to everyone, survival across a
 * restart, and no way to read or mark another user's inbox.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { mintToken } from "../../src/auth/jwt.js";
import type { HeraldConfigInput } from "../../src/config.js";
import { getJson, postJson, startGateway, TestClient } from "../helpers.js";

const SECRET = "inbox-test-secret-0123456789abcdef";
const KEY = "inbox-test-api-key-0123456789";
const dir = mkdtempSync(join(tmpdir(), "herald-inbox-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const config = (file: string): HeraldConfigInput => ({
  auth: { jwtSecret: SECRET, apiKeys: [KEY], anonymous: false },
  store: { path: join(dir, file) },
});
const api = { "x-api-key": KEY };
const as = async (user: string) => ({ authorization: `Bearer ${await mintToken(SECRET, user)}` });

async function post(url: string, headers: Record<string, string>) {
  const res = await fetch(url, { method: "POST", headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("inbox", () => {
  it("stores first, delivers live to every connection, counts unread, keeps users apart", async () => {
    const g = await startGateway(config("live.db"));
    try {
      const alice = await as("alice");
      const bob = await as("bob");
      const c1 = await TestClient.connect(g.wsUrl, { headers: alice });
      const c2 = await TestClient.connect(g.wsUrl, { headers: alice });
      const cb = await TestClient.connect(g.wsUrl, { headers: bob });

      // Stored before delivered: when the live event arrives, the inbox already holds it.
      let listedAtDelivery: unknown;
      const seen = new Promise<void>((resolve) => {
        c1.ws.on("message", async (raw) => {
          const f = JSON.parse(raw.toString());
          if (f.type === "event" && f.event === "notification" && listedAtDelivery === undefined) {
            listedAtDelivery = (await getJson(`${g.url}/api/me/notifications`, alice)).body.notifications;
            resolve();
          }
        });
      });
      const sent = await postJson(
        `${g.url}/api/users/alice/notifications`,
        {
          title: "Validated",
          message: "Your claim passed",
          type: "validation",
          priority: "high",
          actionUrl: "/claims/7",
          data: { claim: 7 },
        },
        api,
      );
      assert.equal(sent.status, 201);
      const notification = sent.body.notification as Record<string, unknown>;
      assert.deepEqual(
        [notification.user, notification.priority, notification.read, notification.data],
        ["alice", "high", false, { claim: 7 }],
      );
      for (const c of [c1, c2]) {
        const live = await c.next((f) => f.type === "event" && f.event === "notification");
        assert.equal(live.topic, "user.alice");
        assert.deepEqual((live.data as { id: string }).id, notification.id);
        const count = await c.next((f) => f.type === "event" && f.event === "unread_count");
        assert.deepEqual(count.data, { unread: 1 });
      }
      await seen;
      assert.deepEqual(
        (listedAtDelivery as Array<{ id: string }>).map((n) => n.id),
        [notification.id],
      );

      // Many users at once; bob gets his, and never alice's.
      const many = await postJson(
        `${g.url}/api/notifications`,
        { users: ["alice", "bob"], title: "Both", message: "m" },
        api,
      );
      assert.deepEqual([many.status, many.body.count], [201, 2]);
      const bobLive = await cb.next((f) => f.type === "event" && f.event === "notification");
      assert.equal((bobLive.data as { title: string }).title, "Both");
      assert.equal(
        cb.frames.some((f) => f.type === "event" && (f.data as { title?: string }).title === "Validated"),
        false,
      );

      let list = await getJson(`${g.url}/api/me/notifications`, alice);
      assert.deepEqual(
        (list.body.notifications as Array<{ title: string }>).map((n) => n.title),
        ["Both", "Validated"],
      );
      assert.equal(list.body.unread, 2);
      const bobList = await getJson(`${g.url}/api/me/notifications`, bob);
      assert.deepEqual(
        (bobList.body.notifications as Array<{ title: string }>).map((n) => n.title),
        ["Both"],
      );

      // Bob cannot mark alice's notification, and nothing changes for alice.
      const foreign = await post(`${g.url}/api/me/notifications/${notification.id}/read`, bob);
      assert.deepEqual([foreign.status, foreign.body.code], [404, "not_found"]);
      assert.equal((await getJson(`${g.url}/api/me/notifications/unread-count`, alice)).body.unread, 2);
      // No token, a bad token, or an API key do not open an inbox.
      assert.equal((await getJson(`${g.url}/api/me/notifications`)).status, 401);
      assert.equal((await getJson(`${g.url}/api/me/notifications`, { authorization: "Bearer nope" })).status, 401);
      assert.equal((await getJson(`${g.url}/api/me/notifications`, { authorization: `Bearer ${KEY}` })).status, 401);
      // Servers need the API key (or an admin's token) to send: a user's token is forbidden.
      assert.equal(
        (await postJson(`${g.url}/api/users/bob/notifications`, { title: "x", message: "y" }, alice)).status,
        403,
      );
      const badPriority = await postJson(
        `${g.url}/api/users/bob/notifications`,
        { title: "x", message: "y", priority: "asap" },
        api,
      );
      assert.deepEqual([badPriority.status, badPriority.body.code], [400, "bad_request"]);

      // Mark one read: the new count is pushed to both connections.
      const read = await post(`${g.url}/api/me/notifications/${notification.id}/read`, alice);
      assert.deepEqual([read.status, read.body.unread], [200, 1]);
      for (const c of [c1, c2]) {
        const count = await c.next(
          (f) => f.type === "event" && f.event === "unread_count" && (f.data as { unread: number }).unread === 1,
        );
        assert.ok(count);
      }
      list = await getJson(`${g.url}/api/me/notifications?unread=true`, alice);
      assert.deepEqual(
        (list.body.notifications as Array<{ title: string }>).map((n) => n.title),
        ["Both"],
      );
      const all = await post(`${g.url}/api/me/notifications/read-all`, alice);
      assert.deepEqual([all.body.marked, all.body.unread], [1, 0]);
      await c2.next(
        (f) => f.type === "event" && f.event === "unread_count" && (f.data as { unread: number }).unread === 0,
      );

      // To everyone: delivered on broadcast, listed for every user, read per user.
      const everyone = await postJson(
        `${g.url}/api/notifications`,
        { all: true, title: "Maintenance", message: "at 2am" },
        api,
      );
      assert.equal(everyone.status, 201);
      const b = await cb.next((f) => f.type === "event" && f.event === "notification" && f.topic === "broadcast");
      assert.equal((b.data as { title: string }).title, "Maintenance");
      assert.equal((await getJson(`${g.url}/api/me/notifications/unread-count`, alice)).body.unread, 1);
      assert.equal((await getJson(`${g.url}/api/me/notifications/unread-count`, bob)).body.unread, 2);
      for (const c of [c1, c2, cb]) c.close();
    } finally {
      await g.close();
    }
  });

  it("keeps notifications across a restart, with pagination newest first", async () => {
    let g = await startGateway(config("restart.db"));
    try {
      for (let i = 1; i <= 5; i++) {
        await postJson(`${g.url}/api/users/carol/notifications`, { title: `n${i}`, message: "m" }, api);
      }
    } finally {
      await g.close();
    }
    g = await startGateway(config("restart.db"));
    try {
      const carol = await as("carol");
      const page1 = await getJson(`${g.url}/api/me/notifications?limit=3`, carol);
      assert.deepEqual(
        (page1.body.notifications as Array<{ title: string }>).map((n) => n.title),
        ["n5", "n4", "n3"],
      );
      const page2 = await getJson(`${g.url}/api/me/notifications?limit=3&before=${page1.body.next}`, carol);
      assert.deepEqual(
        (page2.body.notifications as Array<{ title: string }>).map((n) => n.title),
        ["n2", "n1"],
      );
      assert.equal(page2.body.next, null);
      assert.equal(page1.body.unread, 5);
    } finally {
      await g.close();
    }
  });
});
