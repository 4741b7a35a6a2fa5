// The connect and rpc hooks against a real local HTTP backend: the backend names the user (a
// session cookie instead of a JWT), refuses with its own code, or fails (policy applied); only
// allow-listed headers and cookies reach it; `rpc` frames are answered by the backend over the
// same socket (native WebSocket, Socket.IO and the client SDK).
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createClient } from "@herald/client";
import { io } from "socket.io-client";
import WebSocket from "ws";
import { type Running, startGateway, TestClient } from "../helpers.js";
import { reservedClosedPort } from "../ports.js";
import { authConfig, mint } from "../security/fixtures.js";

interface Call {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** The application's backend: sessions by cookie; an RPC method or two. */
class Backend {
  readonly calls: Call[] = [];
  private server!: Server;
  url = "";

  async start(): Promise<void> {
    this.server = createServer(async (req, res) => {
      let raw = "";
      for await (const chunk of req) raw += chunk;
      const body = JSON.parse(raw) as Record<string, unknown>;
      this.calls.push({ path: req.url ?? "", headers: req.headers, body });
      const reply = (v: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(v));
      if (req.url === "/connect") {
        const cookie = String(req.headers.cookie ?? "");
        if (cookie.includes("sid=alice-session")) {
          return reply({ result: { user: "alice", roles: ["admin"], claims: { plan: "pro" } } });
        }
        if (body.token === "opaque-bob") return reply({ result: { user: "bob" } });
        if (cookie.includes("sid=guest")) return reply({ result: { anonymous: true } });
        if (cookie.includes("sid=broken")) return reply({ result: { user: 42 } });
        return reply({ error: { code: "no_session", message: "log in first" } });
      }
      if (req.url === "/rpc") {
        if (body.method === "add") {
          const { a, b } = body.data as { a: number; b: number };
          return reply({ result: { data: { sum: a + b, user: body.user } } });
        }
        return reply({ error: { code: "bad_method", message: `cannot ${String(body.method)}` } });
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  last(path: string): Call {
    const c = this.calls.filter((x) => x.path === path).at(-1);
    assert.ok(c, `the backend was asked on ${path}`);
    return c;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const backend = new Backend();
let g: Running;

before(async () => {
  await backend.start();
  g = await startGateway({
    auth: authConfig({ anonymous: false }),
    hooks: {
      connect: { url: `${backend.url}/connect` },
      rpc: { url: `${backend.url}/rpc`, methods: ["add", "explode"] },
      forwardHeaders: ["x-request-id", "user-agent"],
      forwardCookies: ["sid"],
    },
  });
});
after(async () => {
  await g.close();
  await backend.close();
});

const cookie = (sid: string) => ({ cookie: `sid=${sid}; tracking=secret-value; other=1`, "x-request-id": "req-7" });

describe("connect hook", () => {
  it("names the user from a session cookie (no JWT); roles reach the ACL's claims", async () => {
    const c = await TestClient.connect(g.wsUrl, { headers: { ...cookie("alice-session"), authorization: "" } });
    const sessions = [...g.gateway.core.sessions.values()];
    const alice = sessions.find((s) => s.user === "alice");
    assert.ok(alice, "a session bound to alice");
    assert.deepEqual(alice.principal?.claims, { sub: "alice", plan: "pro", roles: ["admin"] });
    const asked = backend.last("/connect");
    assert.equal(asked.body.transport, "ws");
    assert.equal(typeof asked.body.client, "string");
    assert.equal(asked.body.token, undefined, "no token is sent when tokens: false");
    c.close();
  });

  it("passes on only the allow-listed headers and cookies", async () => {
    const c = await TestClient.connect(g.wsUrl, { headers: cookie("alice-session") });
    const h = backend.last("/connect").headers;
    assert.equal(h.cookie, "sid=alice-session", "only the allowed cookie, rebuilt");
    assert.equal(h["x-request-id"], "req-7");
    assert.equal(h.authorization, undefined);
    c.close();
  });

  it("refuses with the backend's code: error frame (details.code) and close 4500", async () => {
    const c = await TestClient.connect(g.wsUrl, { waitWelcome: false });
    const err = await c.next("error");
    assert.equal(err.code, "unauthorized");
    assert.equal(err.error, "log in first");
    assert.deepEqual(err.details, { hook: "connect", code: "no_session" });
    const d = await c.next("disconnect");
    assert.equal(d.code, 4500, "unauthorized: do not reconnect until something changes");
  });

  it("an unreadable answer is a failure: refused with unavailable (4008) under failurePolicy deny", async () => {
    const c = await TestClient.connect(g.wsUrl, { headers: cookie("broken"), waitWelcome: false });
    assert.equal((await c.next("error")).code, "unavailable");
    assert.equal((await c.next("disconnect")).code, 4008);
  });

  it("may say anonymous; a JWT still works beside the hook when tokens is false", async () => {
    const guest = await TestClient.connect(g.wsUrl, { headers: cookie("guest"), waitWelcome: false });
    const welcome = await guest.next("welcome");
    assert.equal(welcome.user, undefined);
    guest.close();
    const token = await mint("carol");
    const calls = backend.calls.length;
    const c = await TestClient.connect(`${g.wsUrl}?token=${token}`);
    assert.equal(backend.calls.length, calls, "a token is verified as before, without asking");
    c.close();
  });

  it("Socket.IO and SSE ask it too", async () => {
    const socket = io(g.url, {
      transports: ["websocket"],
      extraHeaders: cookie("alice-session"),
    });
    try {
      const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
        socket.on("connection_established", resolve);
        socket.on("connect_error", reject);
      });
      assert.equal(typeof info.session_id, "string");
      assert.equal(backend.last("/connect").body.transport, "socketio");
    } finally {
      socket.close();
    }
    const ok = await fetch(`${g.url}/sse?topic=news.a`, { headers: cookie("alice-session") });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    const refused = await fetch(`${g.url}/sse?topic=news.a`);
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { code: string }).code, "unauthorized");
  });

  it("with tokens: true, an opaque token goes to the backend; failurePolicy allow falls back to the usual rules", async () => {
    const closed = await reservedClosedPort();
    const h = await startGateway({
      auth: { anonymous: true },
      hooks: { connect: { url: `${backend.url}/connect`, tokens: true } },
    });
    const down = await startGateway({
      auth: { anonymous: true },
      hooks: { connect: { url: `http://127.0.0.1:${closed}/connect`, timeoutMs: 200, failurePolicy: "allow" } },
    });
    try {
      const bob = await TestClient.connect(`${h.wsUrl}?token=opaque-bob`, { waitWelcome: false });
      assert.equal((await bob.next("welcome")).user, "bob");
      assert.equal(backend.last("/connect").body.token, "opaque-bob");
      bob.close();
      const anyone = await TestClient.connect(down.wsUrl, { waitWelcome: false });
      assert.equal((await anyone.next("welcome")).user, undefined, "anonymous, as configured");
      anyone.close();
    } finally {
      await h.close();
      await down.close();
    }
  });
});

describe("rpc hook", () => {
  it("answers an rpc frame with the backend's data; refusals carry the backend's code", async () => {
    const c = await TestClient.connect(g.wsUrl, { headers: cookie("alice-session") });
    const ok = await c.request({ type: "rpc", method: "add", data: { a: 2, b: 3 } });
    assert.deepEqual([ok.type, ok.method, ok.data], ["ack", "add", { sum: 5, user: "alice" }]);
    assert.equal(backend.last("/rpc").headers["x-request-id"], "req-7");
    const refused = await c.request({ type: "rpc", method: "explode" });
    assert.deepEqual(
      [refused.code, refused.error, refused.details],
      ["rpc_error", "cannot explode", { hook: "rpc", code: "bad_method" }],
    );
    const unknown = await c.request({ type: "rpc", method: "drop_tables" });
    assert.equal(unknown.code, "not_found");
    assert.equal(backend.calls.filter((x) => x.body.method === "drop_tables").length, 0, "never asked");
    const bad = await c.request({ type: "rpc" });
    assert.equal(bad.code, "bad_request");
    c.close();
  });

  it("the client SDK's rpc() and Socket.IO's rpc event", async () => {
    const client = createClient({
      url: g.wsUrl,
      WebSocket: class extends WebSocket {
        constructor(url: string) {
          super(url, { headers: cookie("alice-session") });
        }
      } as unknown as typeof globalThis.WebSocket,
    });
    client.connect();
    try {
      assert.deepEqual(await client.rpc("add", { a: 1, b: 1 }), { sum: 2, user: "alice" });
      await assert.rejects(client.rpc("explode"), (e: { code: string; details: unknown }) => {
        assert.equal(e.code, "rpc_error");
        assert.deepEqual(e.details, { hook: "rpc", code: "bad_method" });
        return true;
      });
    } finally {
      client.close();
    }
    const socket = io(g.url, { transports: ["websocket"], extraHeaders: cookie("alice-session") });
    try {
      await new Promise((r) => socket.on("connection_established", r));
      const answer = await socket.emitWithAck("rpc", { method: "add", data: { a: 4, b: 5 } });
      assert.deepEqual(answer, { ok: true, method: "add", data: { sum: 9, user: "alice" } });
    } finally {
      socket.close();
    }
  });

  it("without an rpc hook: not_found", async () => {
    const h = await startGateway({});
    try {
      const c = await TestClient.connect(h.wsUrl);
      assert.equal((await c.request({ type: "rpc", method: "add" })).code, "not_found");
      c.close();
    } finally {
      await h.close();
    }
  });
});
