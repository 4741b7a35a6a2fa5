/**
 * The inbox through the SDK against the real gateway (SQLite store in a temp directory): the
 * HTTP helper lists, counts and marks with the socket's token; live `notification`,
 * `unreadCount` and `unreadChanged` events arrive from the personal topic and `broadcast`; an
 * expired token gets one retry with a fresh one from the callback.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { mintToken } from "../../server/src/auth/jwt.js";
import { postJson } from "../../server/test/helpers.js";
import { reservedClosedPort } from "../../server/test/ports.js";
import { httpUrlOf, type Notification } from "../src/index.js";
import { startGateway, testClient, until } from "./support.js";

const SECRET = "client-inbox-secret-0123456789abcdef";
const KEY = "client-inbox-api-key-0123456789";
const dir = mkdtempSync(join(tmpdir(), "herald-client-inbox-"));
const config = (file: string) => ({
  auth: { jwtSecret: SECRET, apiKeys: [KEY], anonymous: false },
  store: { path: join(dir, file) },
});

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

const notify = (url: string, user: string, title: string) =>
  postJson(`${url}/api/users/${user}/notifications`, { title, message: `${title}!` }, { "x-api-key": KEY });

test("httpUrlOf derives the HTTP base from the WebSocket URL", () => {
  assert.equal(httpUrlOf("ws://127.0.0.1:8080/ws"), "http://127.0.0.1:8080");
  assert.equal(httpUrlOf("wss://h.example/herald/ws?x=1"), "https://h.example/herald");
  assert.throws(() => testClient("ws://h/ws", { httpUrl: "ftp://h" }), /httpUrl/);
});

test("list, count, mark read, mark all read; live notification and unread events", async () => {
  const running = await startGateway(config("live.db"));
  cleanups.push(() => running.close());
  const client = testClient(running.wsUrl, { token: async () => mintToken(SECRET, "alice") });
  cleanups.push(() => client.close());
  const live: Notification[] = [];
  const counts: number[] = [];
  const changes: number[] = [];
  client.on("notification", (n) => live.push(n));
  client.on("unreadCount", ({ unread }) => counts.push(unread));
  client.on("unreadChanged", ({ delta }) => changes.push(delta));
  client.connect();
  await client.whenConnected();

  assert.deepEqual(await client.inbox.list(), { notifications: [], unread: 0, next: null });
  await notify(running.url, "alice", "one");
  await notify(running.url, "alice", "two");
  await notify(running.url, "bob", "not for alice");
  await until(() => live.length === 2 && counts.at(-1) === 2, "two live notifications and a count of 2");
  assert.deepEqual(
    live.map((n) => n.title),
    ["one", "two"],
  );

  const page = await client.inbox.list({ limit: 1 });
  assert.equal(page.notifications[0]?.title, "two", "newest first");
  assert.equal(page.unread, 2);
  assert.ok(page.next !== null);
  const older = await client.inbox.list({ limit: 1, before: page.next as string });
  assert.equal(older.notifications[0]?.title, "one");
  assert.equal(await client.inbox.unreadCount(), 2);

  assert.equal(await client.inbox.markRead(live[0]?.id as string), 1);
  await until(() => counts.at(-1) === 1, "the count pushed after mark read");
  assert.deepEqual(
    (await client.inbox.list({ unread: true })).notifications.map((n) => n.title),
    ["two"],
  );
  await assert.rejects(client.inbox.markRead("no-such-id"), { code: "not_found" });
  assert.equal(await client.inbox.markAllRead(), 1);
  assert.equal(await client.inbox.unreadCount(), 0);

  await postJson(
    `${running.url}/api/notifications`,
    { all: true, title: "everyone", message: "hi" },
    { "x-api-key": KEY },
  );
  await until(() => live.some((n) => n.title === "everyone") && changes.length === 1, "the notification to everyone");
  assert.deepEqual(changes, [1]);
  assert.equal(live.find((n) => n.title === "everyone")?.user, "*");
  assert.equal(await client.inbox.unreadCount(), 1);
});

test("an expired token gets one retry with a fresh token; errors keep the server's code", async () => {
  const running = await startGateway(config("token.db"));
  cleanups.push(() => running.close());
  const reasons: string[] = [];
  let minted = 0;
  const client = testClient(running.wsUrl, {
    token: async ({ reason }) => {
      reasons.push(reason);
      // The first token is already expired: the socket refuses it (4005) and so does HTTP.
      return mintToken(SECRET, "carol", { ttlSeconds: minted++ === 0 ? -10 : 3600 });
    },
  });
  cleanups.push(() => client.close());
  client.on("error", () => {});
  await notify(running.url, "carol", "hello");
  // Before any connection: the inbox asks the callback, gets the expired token, retries once with a fresh one.
  const page = await client.inbox.list();
  assert.equal(page.notifications[0]?.title, "hello");
  assert.deepEqual(reasons, ["connect", "refresh"]);

  const anonymous = testClient(running.wsUrl);
  await assert.rejects(anonymous.inbox.unreadCount(), { code: "unauthorized" });
  const nowhere = testClient(running.wsUrl, { token: "x", httpUrl: `http://127.0.0.1:${await reservedClosedPort()}` });
  await assert.rejects(nowhere.inbox.unreadCount(), { code: "connection_lost" });
});
