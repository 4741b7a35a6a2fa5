// Backend proxy hooks against a real local HTTP backend: the subscribe hook allows, denies, and
// allows with a filter (remembered for its cache time); the publish hook allows, denies and
// rewrites; a backend that times out follows the failure policy, and its circuit breaker opens
// (no more calls) and closes again after a successful trial.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { type Running, startGateway, TestClient } from "../helpers.js";
import { reservedClosedPort } from "../ports.js";
import { waitFor } from "../wait-for.js";

interface Call {
  path: string;
  body: Record<string, unknown>;
}

/** The application's backend: answers by the topic it is asked about; `slow` never answers in time. */
class Backend {
  readonly calls: Call[] = [];
  slow = false;
  private server!: Server;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = JSON.parse(raw) as Record<string, unknown>;
    this.calls.push({ path: req.url ?? "", body });
    if (this.slow) {
      setTimeout(() => res.end("{}"), 2000);
      return;
    }
    const topic = String(body.topic);
    const reply = (v: unknown): void => {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(v));
    };
    if (topic.startsWith("secret.")) return reply({ error: { code: "no_access", message: "not for you" } });
    if (req.url === "/subscribe" && topic.startsWith("orders.")) return reply({ result: { filter: { region: "eu" } } });
    if (req.url === "/publish" && topic.startsWith("chat.")) {
      const data = body.data as { text: string };
      return reply({ result: { data: { text: data.text.replace(/darn/g, "****"), checked: true } } });
    }
    return reply({ result: {} });
  }

  count(path: string): number {
    return this.calls.filter((c) => c.path === path).length;
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
    namespaces: [
      { prefix: "chat.locked", acl: { subscribe: "anyone", publish: "nobody", history: "anyone", presence: "anyone" } },
    ],
    hooks: {
      subscribe: { url: `${backend.url}/subscribe`, namespaces: ["orders", "secret", "news"], cacheSeconds: 60 },
      publish: {
        url: `${backend.url}/publish`,
        namespaces: ["chat", "secret"],
        timeoutMs: 300,
        breakerFailures: 2,
        halfOpenAfterMs: 500,
      },
    },
  });
});
after(async () => {
  await g.close();
  await backend.close();
});

describe("proxy hooks", () => {
  it("subscribe: allows, denies with the backend's message, allows with the backend's filter", async () => {
    const c = await TestClient.connect(g.wsUrl);
    assert.equal((await c.request({ type: "subscribe", topic: "news.today" })).type, "ack");
    const denied = await c.request({ type: "subscribe", topic: "secret.plans" });
    assert.deepEqual([denied.type, denied.code, denied.error], ["error", "forbidden", "not for you"]);
    assert.equal((await c.request({ type: "subscribe", topic: "orders.>" })).type, "ack");
    await g.gateway.publish("orders.1", { region: "us", n: 1 });
    await g.gateway.publish("orders.2", { region: "eu", n: 2 });
    const got = await c.next((f) => f.type === "event" && String(f.topic).startsWith("orders."));
    assert.deepEqual(got.data, { region: "eu", n: 2 }, "the backend's filter applies");
    const asked = backend.calls.find((x) => x.path === "/subscribe" && x.body.topic === "orders.>");
    const { client, ...rest } = asked?.body ?? {};
    assert.deepEqual(rest, { user: null, anonymous: true, topic: "orders.>" });
    assert.equal(typeof client, "string", "the connection id, for the backend's logs");
    // Topics outside the hook's namespaces are not asked about.
    assert.equal((await c.request({ type: "subscribe", topic: "misc.x" })).type, "ack");
    assert.equal(
      backend.calls.some((x) => x.body.topic === "misc.x"),
      false,
    );
    c.close();
  });

  it("subscribe: a decision is remembered per user and topic for cacheSeconds", async () => {
    const before = backend.count("/subscribe");
    const c = await TestClient.connect(g.wsUrl);
    assert.equal((await c.request({ type: "subscribe", topic: "news.cached" })).type, "ack");
    assert.equal((await c.request({ type: "unsubscribe", topic: "news.cached" })).type, "ack");
    assert.equal((await c.request({ type: "subscribe", topic: "news.cached" })).type, "ack");
    const denied = await c.request({ type: "subscribe", topic: "secret.plans" }); // denied in the first test
    assert.equal(denied.code, "forbidden");
    assert.equal(backend.count("/subscribe") - before, 1, "asked once for news.cached, not again for secret.plans");
    c.close();
  });

  it("publish: allows, rewrites the data, denies", async () => {
    const reader = await TestClient.connect(g.wsUrl);
    assert.equal((await reader.request({ type: "subscribe", topic: "chat.room" })).type, "ack");
    const writer = await TestClient.connect(g.wsUrl);
    const ok = await writer.request({ type: "publish", topic: "chat.room", data: { text: "darn it" } });
    assert.equal(ok.type, "ack", JSON.stringify(ok));
    const e = await reader.next((f) => f.type === "event");
    assert.deepEqual(e.data, { text: "**** it", checked: true }, "delivered as the backend rewrote it");
    const denied = await writer.request({ type: "publish", topic: "secret.x", data: 1 });
    assert.deepEqual([denied.type, denied.code], ["error", "forbidden"]);
    // A publish the ACL refuses (a namespace nobody may publish to) never reaches the backend.
    const calls = backend.count("/publish");
    const acl = await writer.request({ type: "publish", topic: "chat.locked.x", data: 1 });
    assert.deepEqual([acl.type, acl.code], ["error", "forbidden"]);
    assert.equal(backend.count("/publish"), calls);
    reader.close();
    writer.close();
  });

  it("publish: a backend that times out is a failure (deny: unavailable); the breaker opens, then closes", async () => {
    const writer = await TestClient.connect(g.wsUrl);
    backend.slow = true;
    const before = backend.count("/publish");
    for (let i = 0; i < 2; i++) {
      const r = await writer.request({ type: "publish", topic: "chat.slow", data: { text: "x" } });
      assert.deepEqual([r.type, r.code], ["error", "unavailable"], JSON.stringify(r));
    }
    assert.equal(backend.count("/publish") - before, 2);
    assert.equal(g.gateway.core.hooks?.publishHook?.breakerState, "open");
    // Open: refused at once, the backend is not called.
    const fast = await writer.request({ type: "publish", topic: "chat.slow", data: { text: "x" } });
    assert.match(String(fast.error), /circuit breaker is open/);
    assert.equal(backend.count("/publish") - before, 2);
    // After halfOpenAfterMs one trial goes through; the backend answers again, so it closes.
    backend.slow = false;
    await waitFor(
      async () => (await writer.request({ type: "publish", topic: "chat.slow", data: { text: "y" } })).type === "ack",
      { what: "a publish accepted after the breaker's trial", timeout: 10_000, interval: 100 },
    );
    assert.equal(g.gateway.core.hooks?.publishHook?.breakerState, "closed");
    writer.close();
  });

  it("publish: with failurePolicy allow, a failing backend lets publishes through", async () => {
    const closed = await reservedClosedPort(); // nothing listens there
    const h = await startGateway({
      hooks: { publish: { url: `http://127.0.0.1:${closed}/publish`, timeoutMs: 200, failurePolicy: "allow" } },
    });
    try {
      const c = await TestClient.connect(h.wsUrl);
      assert.equal((await c.request({ type: "publish", topic: "chat.any", data: 1 })).type, "ack");
      c.close();
    } finally {
      await h.close();
    }
  });
});
