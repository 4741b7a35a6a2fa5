// Socket.IO specifics: an existing notification-bell client written against plain
// `socket.io-client` (no Herald code), auth paths, ACL on publish, slow consumers, and two
// nodes on the Redis engine without Socket.IO's Redis adapter.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { io, type Socket } from "socket.io-client";
import { mintToken } from "../../src/auth/jwt.js";
import { sleep, startGateway, TestClient } from "../helpers.js";
import { dropPrefix, redisBroker } from "../integration/redis-helpers.js";
import { waitFor } from "../wait-for.js";

const secret = "socketio-test-secret-0123456789abcdef";

function next<T = unknown>(socket: Socket, event: string, timeoutMs = 15_000): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no "${event}" within ${timeoutMs} ms`)), timeoutMs);
    socket.once(event, (...args: T[]) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

describe("Socket.IO transport", () => {
  it("serves an unchanged notification-bell client: connect, authenticate, new_notification, keep-alive", async () => {
    const g = await startGateway({ auth: { anonymous: false, jwtSecret: secret }, timeouts: { heartbeatMs: 150 } });
    const token = await mintToken(secret, "42");
    // --- the legacy client, as its product wrote it ---
    const socket = io(g.url, { reconnection: false });
    const seen: string[] = [];
    const notifications: unknown[] = [];
    socket.on("connection_established", () => seen.push("connection_established"));
    socket.on("authenticated", () => seen.push("authenticated"));
    socket.on("new_notification", (n: unknown) => notifications.push(n));
    socket.on("pong", () => seen.push("pong"));
    try {
      const [established] = await next<{ session_id: string }>(socket, "connection_established");
      assert.equal(typeof established?.session_id, "string");
      socket.emit("authenticate", { user_id: "42", token });
      const [auth] = await next<{ user_id: string }>(socket, "authenticated");
      assert.equal(auth?.user_id, "42");

      await g.gateway.sendToUser("42", "new_notification", { id: 7, title: "Your claim was validated" });
      await g.gateway.sendToUser("43", "new_notification", { id: 8, title: "not yours" });
      await g.gateway.broadcast("consensus_update", { round: 3 });
      const [update] = await next(socket, "consensus_update");
      assert.deepEqual(update, { round: 3 });
      assert.deepEqual(notifications, [{ id: 7, title: "Your claim was validated" }]);

      socket.emit("ping");
      await next(socket, "pong");
      socket.emit("get_status");
      const [status] = await next<{ connected_users: number; session_id: string }>(socket, "status");
      assert.equal(status?.connected_users, 1);
      assert.equal(status?.session_id, established?.session_id);

      // Socket.IO's own heartbeat keeps the connection up across many intervals.
      await sleep(800);
      assert.equal(socket.connected, true);
      assert.deepEqual(seen.slice(0, 2), ["connection_established", "authenticated"]);
    } finally {
      socket.disconnect();
      await g.close();
    }
  });

  it("answers auth problems with auth_error or connect_error, and requires auth before subscribing", async () => {
    const g = await startGateway({ auth: { anonymous: false, jwtSecret: secret } });
    const token = await mintToken(secret, "alice");
    const sockets: Socket[] = [];
    const open = (opts: Record<string, unknown> = {}) => {
      const s = io(g.url, { reconnection: false, forceNew: true, ...opts });
      sockets.push(s);
      return s;
    };
    try {
      const a = open();
      await next(a, "connection_established");
      const early = (await a.emitWithAck("subscribe", "news")) as { ok: boolean; code: string };
      assert.deepEqual([early.ok, early.code], [false, "unauthorized"]);
      a.emit("authenticate", { user_id: "bob", token });
      const [mismatch] = await next<{ code: string }>(a, "auth_error");
      assert.equal(mismatch?.code, "forbidden");
      a.emit("authenticate", { user_id: "alice", token });
      await next(a, "authenticated");
      const ok = (await a.emitWithAck("subscribe", "news")) as { ok: boolean; seq: number };
      assert.deepEqual([ok.ok, ok.seq], [true, 0]);

      const b = open();
      await next(b, "connection_established");
      b.emit("authenticate", { token: `${token}x` });
      const [bad] = await next<{ code: string }>(b, "auth_error");
      assert.equal(bad?.code, "unauthorized");

      const c = open({ auth: { token: "not-a-jwt" } });
      const [err] = await next<Error & { data?: { code: string } }>(c, "connect_error");
      assert.equal(err?.data?.code, "unauthorized");

      const d = open({ auth: { token } });
      const [est] = await next<{ user_id: string }>(d, "connection_established");
      assert.equal(est?.user_id, "alice");
    } finally {
      for (const s of sockets) s.disconnect();
      await g.close();
    }
  });

  it("applies the ACL to publishing and answers every request through its ack", async () => {
    const g = await startGateway({
      auth: { jwtSecret: secret },
      namespaces: [{ prefix: "feed", clientPublish: false }],
    });
    const token = await mintToken(secret, "alice");
    const a = io(g.url, { reconnection: false, forceNew: true, auth: { token } });
    const b = io(g.url, { reconnection: false, forceNew: true });
    try {
      await Promise.all([next(a, "connection_established"), next(b, "connection_established")]);
      assert.equal(((await b.emitWithAck("subscribe", { topic: "chat.>" })) as { ok: boolean }).ok, true);
      const denied = (await a.emitWithAck("publish", { topic: "user.bob", data: 1 })) as { ok: boolean; code: string };
      assert.deepEqual([denied.ok, denied.code], [false, "forbidden"]);
      const closed = (await a.emitWithAck("publish", { topic: "feed.x", data: 1 })) as { ok: boolean; code: string };
      assert.deepEqual([closed.ok, closed.code], [false, "forbidden"]);
      const bad = (await a.emitWithAck("publish", { topic: "chat..x", data: 1 })) as { ok: boolean; code: string };
      assert.deepEqual([bad.ok, bad.code], [false, "invalid_topic"]);
      const got = next<unknown>(b, "chat_message");
      const sent = (await a.emitWithAck("publish", {
        topic: "chat.lobby",
        event: "chat_message",
        data: { text: "hi" },
      })) as {
        ok: boolean;
        seq: number;
      };
      assert.deepEqual([sent.ok, sent.seq], [true, 1]);
      const [data, meta] = await got;
      assert.deepEqual(data, { text: "hi" });
      assert.equal((meta as { topic: string }).topic, "chat.lobby");
      const unsub = (await b.emitWithAck("unsubscribe", "chat.>")) as { ok: boolean };
      assert.equal(unsub.ok, true);
      const again = (await b.emitWithAck("unsubscribe", "chat.>")) as { ok: boolean; code: string };
      assert.equal(again.code, "not_subscribed");
      const deep = (await b.emitWithAck("publish", {
        topic: "chat.x",
        data: JSON.parse(`${"[".repeat(40)}${"]".repeat(40)}`),
      })) as {
        code: string;
      };
      assert.equal(deep.code, "too_deep");
    } finally {
      a.disconnect();
      b.disconnect();
      await g.close();
    }
  });

  it("closes a long-polling client that stops polling as a slow consumer (4002)", async () => {
    const g = await startGateway({ limits: { maxOutboundBytes: 65_536 } });
    const conns = (): number | undefined => g.gateway.transports.socketio?.connections;
    try {
      // A raw engine.io long-polling client: handshake, join the default namespace, never poll again.
      const hs = await (await fetch(`${g.url}/socket.io/?EIO=4&transport=polling`)).text();
      const sid = (JSON.parse(hs.slice(1)) as { sid: string }).sid;
      const post = await fetch(`${g.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
        method: "POST",
        body: "40",
      });
      assert.equal(post.status, 200);
      await waitFor(() => conns() === 1, { what: "the polling client's connection" });
      const big = "x".repeat(8192);
      for (let i = 0; i < 20; i++) await g.gateway.broadcast("bulk", big);
      await waitFor(() => conns() === 0, { what: "the slow polling client to be disconnected" });
      const metric = await g.gateway.core.metrics.disconnects.get();
      assert.equal(metric.values.find((v) => v.labels.code === "4002")?.value, 1);
    } finally {
      await g.close();
    }
  });

  it("delivers across two nodes on the Redis engine, like native clients, without a Socket.IO adapter", async () => {
    const keyPrefix = `herald-sio-${process.pid}-${Date.now().toString(36)}`;
    const broker = () => redisBroker(keyPrefix);
    const a = await startGateway({}, { broker: broker() });
    const b = await startGateway({}, { broker: broker() });
    const socket = io(a.url, { reconnection: false, forceNew: true, transports: ["websocket"] });
    const established = next(socket, "connection_established");
    const native = await TestClient.connect(a.wsUrl);
    try {
      await established;
      await socket.emitWithAck("subscribe", "cf1.proposal.>");
      await native.request({ type: "subscribe", topic: "cf1.proposal.>" });
      const got: unknown[] = [];
      socket.on("proposal_created", (d: unknown) => got.push(d));
      for (let i = 1; i <= 5; i++) await b.gateway.publish(`cf1.proposal.${i}`, { i }, { event: "proposal_created" });
      const frames = await native.events(5);
      await waitFor(() => got.length >= 5, { what: () => `5 events at the Socket.IO client (${got.length} so far)` });
      assert.deepEqual(
        got,
        [1, 2, 3, 4, 5].map((i) => ({ i })),
      );
      assert.deepEqual(
        frames.map((f) => f.data),
        got,
      );
    } finally {
      socket.disconnect();
      native.close();
      await a.close();
      await b.close();
      await dropPrefix(keyPrefix);
    }
  });
});
