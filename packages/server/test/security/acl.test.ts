// Adversarial authorization tests: foreign personal topics and inboxes, pattern escapes,
// admin-only prefixes, roles and claims, recovery and history — against the real server.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Frame, type Running, TestClient } from "../helpers.js";
import { withBystander } from "./bystander.js";
import { authConfig, mint } from "./fixtures.js";

const NAMESPACES = [
  { prefix: "admin", acl: { subscribe: "admin", publish: "admin", history: "admin", presence: "admin" } },
  { prefix: "admin.public", acl: { subscribe: "anyone", publish: "admin", history: "admin", presence: "admin" } },
  { prefix: "staff", acl: { subscribe: { role: "staff" }, publish: "nobody", history: { role: "staff" } } },
  { prefix: "inbox", acl: { subscribe: "owner", publish: "owner", history: "owner" } },
  { prefix: "members", acl: { subscribe: "authenticated", history: { claim: "plan", values: ["pro"] } } },
] as const;

/** One event on each of these topics; who may read which is the point of the tests. */
const TOPICS = [
  "news",
  "admin.secret",
  "admin.public.notice",
  "staff.payroll",
  "inbox.alice",
  "inbox.bob",
  "user.alice",
  "user.bob",
  "user.bob.private",
  "members.lounge",
];

async function connectAs(run: Running, sub: string | undefined, claims: Record<string, unknown> = {}) {
  const query = sub === undefined ? "" : `?token=${await mint(sub, { alg: "HS256", claims })}`;
  return TestClient.connect(`${run.wsUrl}${query}`);
}

async function publishAll(run: Running): Promise<void> {
  for (const t of TOPICS) await run.gateway.publish(t, { t });
}

/** Topics of the events a client received (waits until the `news` marker, always last). */
async function topicsSeen(c: TestClient, marker: string): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const e = await c.next("event");
    if ((e.data as { marker?: string }).marker === marker) return seen;
    seen.push(e.topic as string);
  }
}

let markers = 0;

/** Publishes a unique marker on `news`: every event published before it arrives before it. */
async function marker(run: Running): Promise<string> {
  const m = `m${++markers}`;
  await run.gateway.publish("news", { marker: m });
  return m;
}

const CONFIG = { auth: authConfig({ anonymous: true }), namespaces: NAMESPACES as never };

/** One gateway and bystander per test (`security/bystander.ts`), verified inside the test. */
const withGateway = (body: (run: Running) => Promise<void>) => withBystander(CONFIG, body);

describe("topic ACLs", () => {
  it("refuses another user's personal topics and inbox, exactly and by pattern", () =>
    withGateway(async (run) => {
      const alice = await connectAs(run, "alice");
      for (const topic of ["user.bob", "user.bob.private", "user.bob.>", "user.bob.*", "inbox.bob", "inbox.bob.>"]) {
        const r = await alice.request({ type: "subscribe", topic });
        assert.equal(r.code, "forbidden", topic);
      }
      for (const topic of ["user.bob", "inbox.bob"]) {
        assert.equal((await alice.request({ type: "history", topic })).code, "forbidden", topic);
        assert.equal((await alice.request({ type: "publish", topic, data: 1 })).code, "forbidden", topic);
      }
      assert.equal((await alice.request({ type: "subscribe", topic: "inbox.alice" })).type, "ack");
      assert.equal((await alice.request({ type: "publish", topic: "inbox.alice", data: 1 })).type, "ack");
      assert.equal((await alice.request({ type: "publish", topic: "broadcast", data: 1 })).code, "forbidden");
      alice.close();
    }));

  it("never delivers an unreadable event through any pattern", () =>
    withGateway(async (run) => {
      const alice = await connectAs(run, "alice");
      for (const topic of [">", "*", "*.*", "*.>", "user.>", "user.*", "admin.>", "inbox.*", "*.bob", "*.*.private"]) {
        const r = await alice.request({ type: "subscribe", topic });
        assert.equal(r.type, "ack", `${topic}: ${JSON.stringify(r)}`);
      }
      await publishAll(run);
      const seen = await topicsSeen(alice, await marker(run));
      // `news` also carries the bystander's feed; every other topic arrives once or not at all.
      assert.deepEqual(seen.filter((t) => t !== "news").sort(), [
        "admin.public.notice",
        "inbox.alice",
        "members.lounge",
        "user.alice",
      ]);
      alice.close();
    }));

  it("refuses patterns that can only match forbidden topics", () =>
    withGateway(async (run) => {
      const anon = await connectAs(run, undefined);
      for (const topic of ["staff.>", "staff.*", "members.>", "user.*", "user.>"]) {
        assert.equal((await anon.request({ type: "subscribe", topic })).code, "forbidden", topic);
      }
      assert.equal((await anon.request({ type: "subscribe", topic: "admin.>" })).type, "ack");
      anon.close();
    }));

  it("filters pattern recovery the same way", () =>
    withGateway(async (run) => {
      const alice = await connectAs(run, "alice");
      const first = await alice.request({ type: "subscribe", topic: ">" });
      await alice.request({ type: "unsubscribe", topic: ">" });
      await publishAll(run);
      const m = await marker(run);
      const r = await alice.request({
        type: "subscribe",
        topic: ">",
        since: { epoch: first.epoch, offset: first.offset },
      });
      assert.equal(r.recovered, true);
      // A live marker after the recovery: whatever the replay sent, twice or late, is before it.
      const end = await marker(run);
      const seen: string[] = [];
      let recoveredMarker = false;
      for (;;) {
        const e = await alice.next("event");
        const mark = (e.data as { marker?: string }).marker;
        if (mark === end) break;
        if (mark === m) recoveredMarker = true;
        else if (e.topic !== "news") seen.push(e.topic as string);
      }
      assert.ok(recoveredMarker, "the replay reached the marker published before it");
      // Each readable event arrives exactly once: user.alice came live on the implicit personal
      // subscription while `>` was unsubscribed, so the replay does not send it again
      // (docs/protocol.md: an event reaching a connection through overlapping subscriptions is sent once).
      assert.deepEqual(seen.sort(), ["admin.public.notice", "inbox.alice", "members.lounge", "user.alice"]);
      alice.close();
    }));

  it("lets roles and claims in where the namespace says", () =>
    withGateway(async (run) => {
      const admin = await connectAs(run, "root", { roles: ["admin"] });
      const staff = await connectAs(run, "sam", { roles: "staff" });
      const pro = await connectAs(run, "pat", { plan: "pro" });
      const free = await connectAs(run, "fay", { plan: "free" });
      const ok = (f: Frame, what: string) => assert.equal(f.type, "ack", `${what}: ${JSON.stringify(f)}`);
      const no = (f: Frame, what: string) => assert.equal(f.code, "forbidden", what);
      ok(await admin.request({ type: "subscribe", topic: "admin.secret" }), "admin subscribe");
      ok(await admin.request({ type: "history", topic: "user.bob" }), "admin reads a user topic");
      ok(await admin.request({ type: "publish", topic: "admin.secret", data: 1 }), "admin publish");
      no(await staff.request({ type: "subscribe", topic: "admin.secret" }), "staff on admin");
      ok(await staff.request({ type: "subscribe", topic: "staff.>" }), "staff pattern");
      ok(await staff.request({ type: "history", topic: "staff.payroll" }), "staff history");
      no(await staff.request({ type: "publish", topic: "staff.payroll", data: 1 }), "nobody publishes to staff");
      no(await pro.request({ type: "subscribe", topic: "staff.payroll" }), "pro on staff");
      ok(await pro.request({ type: "history", topic: "members.lounge" }), "pro history");
      ok(await free.request({ type: "subscribe", topic: "members.lounge" }), "free subscribe");
      no(await free.request({ type: "history", topic: "members.lounge" }), "free history");
      for (const c of [admin, staff, pro, free]) c.close();
    }));

  it("keeps a forged role claim out (the claim is only trusted from a verified token)", () =>
    withGateway(async (run) => {
      const c = await TestClient.connect(run.wsUrl, { waitWelcome: false });
      const forged = `${Buffer.from('{"alg":"HS256"}').toString("base64url")}.${Buffer.from('{"sub":"x","roles":["admin"]}').toString("base64url")}.AAAA`;
      c.send({ type: "auth", token: forged });
      assert.equal((await c.next("error")).code, "unauthorized");
      assert.equal(await c.closed, 4500);
    }));
});
