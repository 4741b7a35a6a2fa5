/**
 * Reconnect policy against real sockets: the backoff schedule (fake timers drive the delays,
 * real connection attempts fail), the reset after a successful connection, and close codes
 * that must not be followed by a reconnect.
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, mock, test } from "node:test";
import { mintToken } from "../../server/src/auth/jwt.js";
import type { ConnectionState, HeraldClient } from "../src/index.js";
import { killConnections, sleep, startGateway, testClient, until } from "./support.js";

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function nextState(client: HeraldClient, status: ConnectionState["status"]): Promise<ConnectionState> {
  return new Promise((resolve) => {
    const off = client.on("state", (s) => {
      if (s.status === status) {
        off();
        resolve(s);
      }
    });
  });
}

/** A port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

test("backoff schedule: exponential ceilings with jitter, capped, driven by fake timers", async () => {
  const port = await deadPort();
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    const client = testClient(`ws://127.0.0.1:${port}/ws`, {
      backoff: { minMs: 100, maxMs: 1000, factor: 2 },
      random: () => 0.5,
    });
    const delays: number[] = [];
    let connecting = 0;
    client.on("state", (s) => {
      if (s.status === "connecting") connecting++;
    });
    let disconnected = nextState(client, "disconnected");
    client.connect();
    for (let n = 0; n < 6; n++) {
      const s = await disconnected;
      assert.equal(s.status, "disconnected");
      if (s.status !== "disconnected") return;
      assert.equal(s.reason.kind, "network");
      assert.equal(s.attempt, n);
      delays.push(s.retryInMs);
      const before = connecting;
      disconnected = nextState(client, "disconnected");
      mock.timers.tick(s.retryInMs - 1);
      assert.equal(connecting, before, "no attempt before the delay has passed");
      mock.timers.tick(1);
      assert.equal(connecting, before + 1, "an attempt exactly when the delay has passed");
    }
    client.close();
    // Ceilings 100, 200, 400, 800, 1000, 1000 with the random draw fixed at 0.5.
    assert.deepEqual(delays, [50, 100, 200, 400, 500, 500]);
  } finally {
    mock.timers.reset();
  }
});

test("after a successful connection the schedule starts again from the first delay", async () => {
  const running = await startGateway();
  cleanups.push(() => running.close());
  const client = testClient(running.wsUrl, { backoff: { minMs: 40, maxMs: 1000, factor: 2 }, random: () => 0.5 });
  cleanups.push(() => client.close());
  for (let round = 0; round < 3; round++) {
    const connected = nextState(client, "connected");
    if (round === 0) client.connect();
    await connected;
    const lost = nextState(client, "disconnected");
    killConnections(running.gateway, "terminate");
    const s = await lost;
    assert.ok(s.status === "disconnected" && s.attempt === 0 && s.retryInMs === 20, JSON.stringify(s));
  }
});

test("terminal close codes do not reconnect; retryable ones do", async () => {
  const secret = "reconnect-test-secret-0123456789abcdef";
  const running = await startGateway({ auth: { jwtSecret: secret, anonymous: false } });
  cleanups.push(() => running.close());

  const cases: Array<{ name: string; token: () => Promise<string>; act?: () => void; code: number }> = [
    { name: "invalid token (4500)", token: async () => "not-a-jwt", code: 4500 },
    {
      name: "disconnected by an administrator (4503)",
      token: () => mintToken(secret, "mallory"),
      act: () => running.gateway.disconnectUser("mallory"),
      code: 4503,
    },
  ];
  for (const c of cases) {
    const token = await c.token();
    const client = testClient(running.wsUrl, { token, backoff: { minMs: 1, maxMs: 5 } });
    cleanups.push(() => client.close());
    const states: string[] = [];
    client.on("state", (s) => states.push(s.status));
    const closed = nextState(client, "closed");
    if (c.act !== undefined) {
      const connected = nextState(client, "connected");
      client.connect();
      await connected;
      c.act();
    } else client.connect();
    const s = await closed;
    assert.ok(s.status === "closed" && s.reason.kind === "server" && s.reason.code === c.code, JSON.stringify(s));
    await sleep(100); // many backoff periods
    assert.equal(states.at(-1), "closed", `${c.name}: still closed`);
    assert.ok(!states.includes("disconnected"), `${c.name}: never scheduled a reconnect (${states.join(",")})`);
    await assert.rejects(client.publish("a.b", 1), { code: "client_closed" });
  }

  // A static token that has expired cannot be renewed: 4005 ends the client instead of looping.
  const expired = await mintToken(secret, "bob", { ttlSeconds: -60 });
  const stale = testClient(running.wsUrl, { token: expired, backoff: { minMs: 1, maxMs: 5 } });
  cleanups.push(() => stale.close());
  const staleClosed = nextState(stale, "closed");
  stale.connect();
  const s = await staleClosed;
  assert.ok(s.status === "closed" && s.reason.kind === "server" && s.reason.code === 4005, JSON.stringify(s));

  // 4006 (the server asks for a reconnect) is followed by one.
  const client = testClient(running.wsUrl, { token: () => mintToken(secret, "carol") });
  cleanups.push(() => client.close());
  let connects = 0;
  client.on("state", (st) => {
    if (st.status === "connected") connects++;
  });
  client.connect();
  await until(() => connects === 1, "first connection");
  killConnections(running.gateway, "close");
  await until(() => connects === 2, "reconnect after 4006");
});
