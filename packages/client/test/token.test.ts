/**
 * Token expiry during a session, against the real gateway with short-lived JWTs: the server
 * asks for a refresh `timeouts.authMs` before expiry; the client's token callback supplies a
 * fresh token on the same connection. When no fresh token arrives in time the server closes
 * with 4005 and the client reconnects with a new token. No event is lost either way.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { mintToken } from "../../server/src/auth/jwt.js";
import { waitFor } from "../../server/test/wait-for.js";
import type { DisconnectReason, HeraldEvent, TokenReason } from "../src/index.js";
import { startGateway, testClient, until } from "./support.js";

const secret = "token-test-secret-0123456789abcdef";
/** The grace between the server's `refresh` and its 4005 close: room to answer on a slow machine. */
const config = { auth: { jwtSecret: secret, anonymous: false }, timeouts: { authMs: 2000 } };

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/**
 * A client with 3-second tokens (refresh asked 2 s before expiry) reading a live feed until
 * `done` holds; the first `failRefreshes` refresh calls fail. Returns what happened.
 */
async function run(failRefreshes: number, done: (calls: TokenReason[], connects: number) => boolean, what: string) {
  const running = await startGateway(config);
  cleanups.push(() => running.close());
  const calls: TokenReason[] = [];
  let failures = 0;
  const client = testClient(running.wsUrl, {
    token: async ({ reason }) => {
      calls.push(reason);
      if (reason === "refresh" && failures < failRefreshes) {
        failures++;
        throw new Error("the auth service is down");
      }
      return mintToken(secret, "alice", { ttlSeconds: 3 });
    },
  });
  cleanups.push(() => client.close());
  client.on("error", () => {}); // the failing callback is reported here
  let connects = 0;
  const disconnects: DisconnectReason[] = [];
  client.on("state", (s) => {
    if (s.status === "connected") connects++;
    if (s.status === "disconnected") disconnects.push(s.reason);
  });
  const got: HeraldEvent<{ i: number }>[] = [];
  const resets: unknown[] = [];
  const sub = client.subscribe<{ i: number }>("tokens.feed");
  sub.on("event", (e) => got.push(e));
  sub.on("reset", (r) => resets.push(r));
  client.connect();
  await until(() => sub.status === "subscribed", "subscribed");

  // A live feed (one event per 20 ms: pacing, not synchronisation) until `done`.
  let n = 0;
  let feeding = true;
  const feed = (async () => {
    while (feeding) {
      await running.gateway.publish("tokens.feed", { i: n++ });
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    await waitFor(() => done(calls, connects), { what, timeout: 20_000 });
  } finally {
    feeding = false;
    await feed;
  }
  // A last event after the feed: once it is in, every earlier one is (or is lost).
  await running.gateway.publish("tokens.feed", { i: n++ });
  await until(() => got.length > 0 && got[got.length - 1]?.data.i === n - 1, "the last event of the feed");
  assert.deepEqual(
    got.map((e) => e.data.i),
    Array.from({ length: n }, (_, i) => i),
    "every event once, in order",
  );
  assert.deepEqual(resets, []);
  return { calls, connects, disconnects };
}

test("the server asks for a refresh: the callback supplies one on the same connection", async () => {
  const refreshes = (calls: TokenReason[]) => calls.filter((c) => c === "refresh").length;
  const { calls, connects, disconnects } = await run(0, (calls) => refreshes(calls) >= 2, "two refreshes");
  assert.equal(calls[0], "connect");
  assert.equal(refreshes(calls), calls.length - 1, `callback calls: ${calls.join(",")}`);
  assert.deepEqual(disconnects, [], "the connection never dropped");
  assert.equal(connects, 1, "the connection never dropped");
});

test("no fresh token in time: closed with 4005, the client reconnects with a new token and recovers", async () => {
  const { calls, connects, disconnects } = await run(1, (_calls, connects) => connects >= 2, "a reconnect");
  assert.deepEqual(
    disconnects.map((r) => (r.kind === "server" ? r.code : r.kind)),
    [4005],
    "closed once, with 4005",
  );
  assert.ok(connects >= 2, "reconnected after 4005");
  const firstRefresh = calls.indexOf("refresh");
  assert.ok(firstRefresh > 0 && calls.indexOf("connect", firstRefresh) > firstRefresh, calls.join(","));
});
