/**
 * Keep-alive and lifecycle against the real gateway: client pings keep a connection the server
 * would close as idle; `@herald/client/node` picks a WebSocket by itself; shared subscriptions
 * end on the server when the last handle is released, leaving no listeners behind.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { createNodeClient } from "../src/node.js";
import { startGateway, testClient, until } from "./support.js";

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test("client pings keep an otherwise idle connection open; without them the server closes it (4004)", async () => {
  // Pings every 200 ms against a 2 s idle timeout: a tenfold margin for a slow machine. The
  // server's own heartbeat (a WebSocket ping each 500 ms, a missed pong closes) must not be
  // what ends a connection here: on a loaded machine 100 ms is too short to answer.
  const idleMs = 2000;
  const running = await startGateway({ timeouts: { idleMs, heartbeatMs: 500 } });
  cleanups.push(() => running.close());
  const pinging = testClient(running.wsUrl, { pingIntervalMs: 200 });
  const silent = testClient(running.wsUrl, { pingIntervalMs: 0 });
  cleanups.push(
    () => pinging.close(),
    () => silent.close(),
  );
  const reasons: string[] = [];
  let pingingConnects = 0;
  let pingingSince = 0;
  pinging.on("state", (s) => {
    if (s.status === "connected") {
      pingingConnects++;
      if (pingingSince === 0) pingingSince = Date.now();
    }
  });
  silent.on("state", (s) => {
    if (s.status === "disconnected") reasons.push(JSON.stringify(s.reason));
  });
  pinging.connect();
  silent.connect();
  await until(() => reasons.length > 0, "the silent client to be closed as idle");
  assert.match(reasons[0] as string, /"code":4004/);
  // Keep-alive is about time passing: the pinging client outlives twice the idle timeout.
  await until(
    () => pingingConnects > 1 || (pingingSince > 0 && Date.now() - pingingSince > 2 * idleMs),
    "twice the idle timeout (or a reconnect of the pinging client)",
  );
  assert.equal(pinging.state.status, "connected");
  assert.equal(pingingConnects, 1, "the pinging client was never disconnected");
});

test("@herald/client/node connects without a WebSocket option", async () => {
  const running = await startGateway();
  cleanups.push(() => running.close());
  const client = createNodeClient({ url: running.wsUrl }).connect();
  cleanups.push(() => client.close());
  await client.whenConnected();
  const ack = await client.publish("node.entry", { ok: true });
  assert.equal(ack.seq, 1);
});

test("shared subscriptions end on the server with the last handle, leaving no listeners", async () => {
  const running = await startGateway();
  cleanups.push(() => running.close());
  const client = testClient(running.wsUrl).connect();
  cleanups.push(() => client.close());
  const a = client.subscribe("life.topic");
  const b = client.subscribe("life.topic");
  assert.equal(a, b, "one subscription per name");
  const offs = [a.on("event", () => {}), b.on("event", () => {})];
  await until(() => a.status === "subscribed", "subscribed");
  const session = () => [...running.gateway.core.sessions.values()][0];
  assert.equal(session()?.subscriptionCount, 1);
  for (const off of offs) off();
  a.unsubscribe();
  // A round trip after it: had an unsubscribe been sent, the server would have handled it first.
  await client.publish("life.other", 1);
  assert.equal(session()?.subscriptionCount, 1, "still held by the second handle");
  b.unsubscribe();
  await until(() => session()?.subscriptionCount === 0, "the server subscription to end");
  assert.equal(client.subscriptions.size, 0);
  assert.equal(a.status, "unsubscribed");
  assert.equal(a.listenerCount("event"), 0);
  assert.equal(client.listenerCount("state"), 0, "whenConnected and friends removed their listeners");
});
