/**
 * Presence through the SDK against the real gateway: `presence: true` subscriptions receive
 * `join`/`leave` with the members' metadata, `presence(topic)` lists who is there, a handle
 * asking for presence on a name already held without it switches the shared subscription over
 * without losing an event, and topics outside presence namespaces are refused.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { mintToken } from "../../server/src/auth/jwt.js";
import type { HeraldEvent, PresenceMember } from "../src/index.js";
import { startGateway, testClient, until } from "./support.js";

const secret = "presence-test-secret-0123456789abcdef";
const config = {
  auth: { jwtSecret: secret },
  namespaces: [{ prefix: "room", presence: true }],
};

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test("join/leave events, presence(topic), metadata, forbidden outside presence namespaces", async () => {
  const running = await startGateway(config);
  cleanups.push(() => running.close());
  const alice = testClient(running.wsUrl, { token: await mintToken(secret, "alice") }).connect();
  const bob = testClient(running.wsUrl, { token: await mintToken(secret, "bob") }).connect();
  cleanups.push(() => alice.close());
  cleanups.push(() => bob.close());

  const seen: string[] = [];
  const a = alice.subscribe("room.lobby", { presence: true, meta: { status: "here" } });
  a.on("join", (m: PresenceMember) => seen.push(`join ${m.user}`));
  a.on("leave", (m: PresenceMember) => seen.push(`leave ${m.user}`));
  await until(() => a.status === "subscribed", "alice subscribed");
  const b = bob.subscribe("room.lobby", { meta: { status: "away" } });
  await until(() => seen.includes("join bob"), "alice sees bob join");

  const who = await bob.presence("room.lobby");
  assert.equal(who.count, 2);
  const byUser = new Map((who.members ?? []).map((m) => [m.user, m]));
  assert.deepEqual(byUser.get("alice")?.meta, { status: "here" });
  assert.deepEqual(byUser.get("bob")?.meta, { status: "away" });

  b.unsubscribe();
  await until(() => seen.includes("leave bob"), "alice sees bob leave");
  assert.equal((await alice.presence("room.lobby")).count, 1);

  await assert.rejects(alice.presence("chat.x"), { code: "forbidden" });
  const refused = alice.subscribe("chat.x", { presence: true });
  const failure = await new Promise((resolve) => refused.on("error", resolve));
  assert.equal((failure as { code: string }).code, "forbidden");
  await assert.rejects(alice.presence("bad..topic"), { code: "invalid_topic" });
});

test("asking for presence on a subscription held without it switches it over, losing nothing", async () => {
  const running = await startGateway(config);
  cleanups.push(() => running.close());
  const client = testClient(running.wsUrl).connect();
  cleanups.push(() => client.close());
  const other = testClient(running.wsUrl).connect();
  cleanups.push(() => other.close());

  const plain = client.subscribe<{ i: number }>("room.board");
  const got: HeraldEvent<{ i: number }>[] = [];
  plain.on("event", (e) => got.push(e));
  await until(() => plain.status === "subscribed", "subscribed without presence");
  const joins: PresenceMember[] = [];
  const publishing = (async () => {
    for (let i = 0; i < 200; i++) await running.gateway.publish("room.board", { i });
  })();
  const watched = client.subscribe<{ i: number }>("room.board", { presence: true });
  assert.equal(watched, plain, "one shared subscription");
  watched.on("join", (m) => joins.push(m));
  await until(() => watched.status === "subscribed" && watched.presence, "resubscribed with presence");
  await publishing;
  await until(() => got.length >= 200, "every event");
  assert.deepEqual(
    got.map((e) => e.data.i),
    Array.from({ length: 200 }, (_, i) => i),
    "each event once, in order, across the switch",
  );
  await other.whenConnected();
  const otherId = other.state.status === "connected" ? other.state.client : "";
  other.subscribe("room.board");
  await until(() => joins.some((m) => m.client === otherId), "the other client's join");
});
