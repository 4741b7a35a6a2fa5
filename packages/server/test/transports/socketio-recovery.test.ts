// Socket.IO connection state recovery for unchanged clients: cut from the server while 5
// notifications and 5 topic events are published, the client gets all 10 once, in order, with
// `socket.recovered === true`; a gap older than the window gives a fresh session, nothing partial.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Socket as ServerSocket } from "socket.io";
import { mintToken } from "../../src/auth/jwt.js";
import { resolveConfig } from "../../src/config.js";
import { postJson, type Running, startGateway } from "../helpers.js";
import { engineClose, LegacyClient, serverSocket, tcpDrop, until } from "./socketio-recovery-client.js";

const secret = "socketio-recovery-secret-0123456789";
const KEY = "socketio-recovery-api-key-0123456789";
const NAMES = ["new_notification", "update"];

/** Expected order: the publishes alternate, one notification then one topic event. */
const expected = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => [`new_notification:${from + k}`, `update:${from + k}`]).flat();

async function publishBoth(g: Running, user: string, topic: string, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    await g.gateway.sendToUser(user, "new_notification", { i });
    await g.gateway.publish(topic, { i }, { event: "update" });
  }
}

/** Connects a legacy client as `user`, subscribed to a fresh topic, with one live event of each kind. */
async function connected(g: Running, user: string, extra: Record<string, unknown> = {}) {
  const client = new LegacyClient(g.url, await mintToken(secret, user), NAMES, extra);
  await client.connected();
  const topic = `room.${randomUUID().slice(0, 8)}`;
  const answer = (await client.socket.timeout(10_000).emitWithAck("subscribe", topic)) as { ok: boolean };
  assert.equal(answer.ok, true);
  await publishBoth(g, user, topic, 0, 1);
  await client.received(2);
  return { client, topic };
}

async function cutAndRecover(transport: "websocket" | "polling" | "default", cut: (s: ServerSocket) => void) {
  const g = await startGateway({ auth: { anonymous: false, jwtSecret: secret } });
  const extra = transport === "default" ? {} : { transports: [transport] };
  const { client, topic } = await connected(g, "alice", extra);
  try {
    if (cut === tcpDrop) await client.upgraded();
    cut(serverSocket(g));
    await publishBoth(g, "alice", topic, 1, 6);
    await client.connected(2);
    await client.received(12);
    assert.equal(client.socket.recovered, true);
    // Live delivery continues after the recovered ones, still once.
    await publishBoth(g, "alice", topic, 6, 7);
    await client.received(14);
    assert.deepEqual(client.seen, expected(0, 7));
  } finally {
    client.close();
    await g.close();
  }
}

describe("Socket.IO connection state recovery (unchanged socket.io-client)", () => {
  it("recovers exactly the 10 events missed across a server engine close (default transports)", async () => {
    await cutAndRecover("default", engineClose);
  });

  it("recovers exactly the 10 events missed across a TCP drop of the WebSocket", async () => {
    await cutAndRecover("default", tcpDrop);
  });

  it("recovers a long-polling client the same way", async () => {
    await cutAndRecover("polling", engineClose);
  });

  it("gives a fresh session, the resync event and nothing partial when the gap is older than the window", async () => {
    const g = await startGateway({
      auth: { anonymous: false, jwtSecret: secret },
      socketio: {
        enabled: true,
        path: "/socket.io",
        eventNames: {},
        recovery: { enabled: true, windowMs: 1, resyncEvent: "resync" },
      },
    });
    const { client, topic } = await connected(g, "bob");
    const resyncs: unknown[] = [];
    client.socket.on("resync", (r: unknown) => resyncs.push(r));
    try {
      engineClose(serverSocket(g));
      await publishBoth(g, "bob", topic, 1, 6);
      await client.connected(2);
      assert.equal(client.socket.recovered, false);
      await client.sessionOpen(2);
      // The fresh session has the user's implicit subscription again, but not the lost events.
      await g.gateway.sendToUser("bob", "new_notification", { i: 9 });
      await client.received(3);
      assert.deepEqual(client.seen, [...expected(0, 1), "new_notification:9"]);
      assert.deepEqual(resyncs, [{ reason: "unknown_session" }]);
    } finally {
      client.close();
      await g.close();
    }
  });
});

describe("Socket.IO recovery refusals", () => {
  it("never resumes another user's session: a handshake token for someone else gets a fresh session", async () => {
    const g = await startGateway({
      auth: { anonymous: false, jwtSecret: secret },
      socketio: {
        enabled: true,
        path: "/socket.io",
        eventNames: {},
        recovery: { enabled: true, windowMs: 120_000, resyncEvent: "resync" },
      },
    });
    const { client, topic } = await connected(g, "erin");
    const resyncs: unknown[] = [];
    client.socket.on("resync", (r: unknown) => resyncs.push(r));
    try {
      // The same socket (same pid) reconnects with a token for another user.
      client.socket.auth = { token: await mintToken(secret, "frank") };
      engineClose(serverSocket(g));
      await publishBoth(g, "erin", topic, 1, 2);
      await client.connected(2);
      assert.equal(client.socket.recovered, false);
      await client.sessionOpen(2);
      await g.gateway.sendToUser("frank", "new_notification", { i: 7 });
      await client.received(3);
      assert.deepEqual(client.seen, [...expected(0, 1), "new_notification:7"]);
      assert.deepEqual(resyncs, [{ reason: "user_changed" }]);
    } finally {
      client.close();
      await g.close();
    }
  });
});

describe("Socket.IO event names (socketio.eventNames)", () => {
  it("delivers stored inbox pushes under the names an unchanged client listens to", async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-sio-names-"));
    const g = await startGateway({
      auth: { anonymous: false, jwtSecret: secret, apiKeys: [KEY] },
      store: { path: join(dir, "herald.db") },
      socketio: {
        enabled: true,
        path: "/socket.io",
        recovery: { enabled: true, windowMs: 120_000, resyncEvent: "" },
        eventNames: { notification: "new_notification", unread_count: "unread_count_update" },
      },
    });
    const client = new LegacyClient(g.url, await mintToken(secret, "dora"), []);
    const got: Array<[string, unknown]> = [];
    client.socket.on("new_notification", (n: { title: string }) => got.push(["new_notification", n.title]));
    client.socket.on("unread_count_update", (c: { unread: number }) => got.push(["unread_count_update", c.unread]));
    client.socket.on("notification", () => got.push(["notification", "under the old name"]));
    try {
      await client.connected();
      const res = await postJson(
        `${g.url}/api/users/dora/notifications`,
        { title: "Claim validated", message: "3 of 3" },
        { "x-api-key": KEY },
      );
      assert.equal(res.status, 201, JSON.stringify(res.body));
      await until(client.socket, "the notification and the count", () => got.length >= 2);
      assert.deepEqual(got, [
        ["new_notification", "Claim validated"],
        ["unread_count_update", 1],
      ]);
    } finally {
      client.close();
      await g.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a configured name that Socket.IO reserves", () => {
    assert.throws(
      () =>
        resolveConfig({
          socketio: {
            enabled: true,
            path: "/socket.io",
            recovery: { enabled: true, windowMs: 1000, resyncEvent: "" },
            eventNames: { notification: "disconnect" },
          },
        }),
      /config\.socketio\.eventNames\.notification: "disconnect" is reserved by Socket\.IO/,
    );
  });
});
