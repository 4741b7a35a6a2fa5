// Connection lifecycle: auth, personal and broadcast delivery, limits, slow consumers,
// heartbeats, graceful shutdown. Each case runs its own gateway with the settings it needs.
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { describe, it } from "node:test";
import { mintToken } from "../src/auth/jwt.js";
import { postJson, sleep, startGateway, TestClient } from "./helpers.js";

const secret = "a-test-secret-that-is-long-enough";

describe("connection lifecycle", () => {
  it("authenticates by upgrade token or first auth frame, and refuses bad tokens with 4500", async () => {
    const g = await startGateway({ auth: { anonymous: false, jwtSecret: secret }, timeouts: { authMs: 300 } });
    try {
      const token = await mintToken(secret, "alice");
      const byQuery = await TestClient.connect(`${g.wsUrl}?token=${token}`, { waitWelcome: false });
      assert.equal((await byQuery.next("welcome")).user, "alice");
      const byHeader = await TestClient.connect(g.wsUrl, {
        headers: { authorization: `Bearer ${token}` },
        waitWelcome: false,
      });
      assert.equal((await byHeader.next("welcome")).user, "alice");

      const byFrame = await TestClient.connect(g.wsUrl, { waitWelcome: false });
      assert.equal((await byFrame.request({ type: "subscribe", topic: "a" })).code, "unauthorized");
      byFrame.send({ type: "auth", token, id: "a1" });
      assert.equal((await byFrame.next("welcome")).user, "alice");
      assert.equal((await byFrame.next("ack")).id, "a1");

      const bad = await TestClient.connect(g.wsUrl, { waitWelcome: false });
      bad.send({ type: "auth", token: `${token}x` });
      assert.equal((await bad.next("error")).code, "unauthorized");
      assert.equal((await bad.next("disconnect")).reconnect, false);
      assert.equal(await bad.closed, 4500);

      const expired = await mintToken(secret, "bob", { ttlSeconds: -60 });
      const late = await TestClient.connect(`${g.wsUrl}?token=${expired}`, { waitWelcome: false });
      assert.equal((await late.next("error")).code, "token_expired");
      assert.equal(await late.closed, 4005);

      const silent = await TestClient.connect(g.wsUrl, { waitWelcome: false });
      assert.equal(await silent.closed, 4501);
      for (const c of [byQuery, byHeader, byFrame]) c.close();
    } finally {
      await g.close();
    }
  });

  it("delivers sendToUser to every connection of that user only, and broadcast to everyone", async () => {
    const g = await startGateway({ auth: { jwtSecret: secret } });
    try {
      const alice1 = await TestClient.connect(`${g.wsUrl}?token=${await mintToken(secret, "alice")}`);
      const alice2 = await TestClient.connect(`${g.wsUrl}?token=${await mintToken(secret, "alice")}`);
      const bob = await TestClient.connect(`${g.wsUrl}?token=${await mintToken(secret, "bob")}`);
      const anon = await TestClient.connect(g.wsUrl);
      await g.gateway.sendToUser("alice", "new_notification", { title: "hi" });
      await g.gateway.broadcast("maintenance", { at: "02:00" });
      for (const a of [alice1, alice2]) {
        const [n, b] = await a.events(2);
        assert.deepEqual([n?.topic, n?.event, n?.data], ["user.alice", "new_notification", { title: "hi" }]);
        assert.equal(b?.event, "maintenance");
      }
      for (const other of [bob, anon]) {
        assert.equal((await other.next("event")).event, "maintenance");
        await other.request({ type: "ping" });
        assert.equal(other.frames.filter((f) => f.type === "event").length, 0, "no foreign notification");
      }
      assert.equal((await bob.request({ type: "subscribe", topic: "user.alice" })).code, "forbidden");
      assert.equal(g.gateway.disconnectUser("alice"), 2);
      assert.equal(await alice1.closed, 4503);
      bob.close();
      anon.close();
    } finally {
      await g.close();
    }
  });

  it("disconnects a slow consumer with 4002 and keeps serving the others", async () => {
    const g = await startGateway({ limits: { maxOutboundBytes: 64 * 1024 } });
    try {
      const slow = await TestClient.connect(g.wsUrl);
      const fast = await TestClient.connect(g.wsUrl);
      await slow.request({ type: "subscribe", topic: "flood" });
      await fast.request({ type: "subscribe", topic: "flood" });
      (slow.ws as unknown as { _socket: Socket })._socket.pause();
      const payload = "x".repeat(16 * 1024);
      for (let i = 0; i < 400; i++) {
        await g.gateway.publish("flood", payload);
        if (i % 2 === 0) await sleep(1);
      }
      const received = await fast.events(400, 15_000);
      assert.equal(received.at(-1)?.seq, 400);
      const closed = await g.gateway.core.metrics.disconnects.get();
      assert.ok(
        closed.values.some((v) => v.labels.code === "4002" && v.value === 1),
        "the slow consumer was closed as such",
      );
      assert.equal(g.gateway.core.sessions.size, 1);
      fast.close();
      slow.ws.terminate();
    } finally {
      await g.close();
    }
  });

  it("closes peers that stop answering heartbeats", async () => {
    const g = await startGateway({ timeouts: { heartbeatMs: 100 } });
    try {
      const dead = await TestClient.connect(g.wsUrl);
      const alive = await TestClient.connect(g.wsUrl);
      (dead.ws as unknown as { _socket: Socket })._socket.pause();
      const deadline = Date.now() + 5000;
      while (g.gateway.core.sessions.size > 1 && Date.now() < deadline) await sleep(20);
      assert.equal(g.gateway.core.sessions.size, 1);
      assert.equal((await alive.request({ type: "ping" })).type, "pong");
      alive.close();
      dead.ws.terminate();
    } finally {
      await g.close();
    }
  });

  it("closes idle connections with 4004 when an idle timeout is set", async () => {
    const g = await startGateway({ timeouts: { heartbeatMs: 100, idleMs: 150 } });
    try {
      const c = await TestClient.connect(g.wsUrl);
      assert.equal(await c.closed, 4004);
    } finally {
      await g.close();
    }
  });

  it("refuses connections past the node limit with 4007", async () => {
    const g = await startGateway({ limits: { maxConnections: 2 } });
    try {
      const a = await TestClient.connect(g.wsUrl);
      const b = await TestClient.connect(g.wsUrl);
      const c = await TestClient.connect(g.wsUrl, { waitWelcome: false });
      const d = await c.next("disconnect");
      assert.equal(d.code, 4007);
      assert.equal(d.reconnect, true);
      assert.equal(await c.closed, 4007);
      a.close();
      b.close();
    } finally {
      await g.close();
    }
  });

  it("shuts down gracefully: disconnect with 1001 and reconnect:true, then readyz is no longer ready", async () => {
    const g = await startGateway();
    const c = await TestClient.connect(g.wsUrl);
    const closing = g.close();
    const d = await c.next("disconnect");
    assert.deepEqual([d.code, d.reconnect], [1001, true]);
    assert.equal(await c.closed, 1001);
    await closing;
    await assert.rejects(postJson(`${g.url}/api/publish`, { topic: "a", data: 1 }));
  });
});
