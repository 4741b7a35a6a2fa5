/**
 * Token expiry during a session, against the real gateway with short-lived JWTs: the server
 * asks for a refresh `timeouts.authMs` before expiry; the client's token callback supplies a
 * fresh token on the same connection. When no fresh token arrives in time the server closes
 * with 4005 and the client reconnects with a new token. No event is lost either way.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { mintToken } from "../../server/src/auth/jwt.js";
import type { HeraldEvent, TokenReason } from "../src/index.js";
import { sleep, startGateway, testClient, until } from "./support.js";

const secret = "token-test-secret-0123456789abcdef";
const config = { auth: { jwtSecret: secret, anonymous: false }, timeouts: { authMs: 1000 } };

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function run(failRefreshes: number) {
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
      return mintToken(secret, "alice", { ttlSeconds: 2 });
    },
  });
  cleanups.push(() => client.close());
  client.on("error", () => {}); // the failing callback is reported here
  let connects = 0;
  client.on("state", (s) => {
    if (s.status === "connected") connects++;
  });
  const got: HeraldEvent<{ i: number }>[] = [];
  const resets: unknown[] = [];
  const sub = client.subscribe<{ i: number }>("tokens.feed");
  sub.on("event", (e) => got.push(e));
  sub.on("reset", (r) => resets.push(r));
  client.connect();
  await until(() => sub.status === "subscribed", "subscribed");

  // Publish for longer than two token lifetimes (tokens last 1–2 s; refresh 1 s before expiry).
  const n = 200;
  for (let i = 0; i < n; i++) {
    await running.gateway.publish("tokens.feed", { i });
    await sleep(25);
  }
  await until(() => got.length >= n, `all ${n} events`);
  await sleep(50);
  assert.deepEqual(
    got.map((e) => e.data.i),
    Array.from({ length: n }, (_, i) => i),
    "every event once, in order",
  );
  assert.deepEqual(resets, []);
  return { calls, connects };
}

test("the server asks for a refresh: the callback supplies one on the same connection", async () => {
  const { calls, connects } = await run(0);
  assert.equal(calls[0], "connect");
  assert.ok(calls.filter((c) => c === "refresh").length >= 2, `callback calls: ${calls.join(",")}`);
  assert.equal(connects, 1, "the connection never dropped");
});

test("no fresh token in time: closed with 4005, the client reconnects with a new token and recovers", async () => {
  const { calls, connects } = await run(1);
  assert.ok(connects >= 2, "reconnected after 4005");
  const firstRefresh = calls.indexOf("refresh");
  assert.ok(firstRefresh > 0 && calls.indexOf("connect", firstRefresh) > firstRefresh, calls.join(","));
});
