// Embedding: the gateway shares an existing Node HTTP server's port and routes.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { createGateway } from "../src/gateway.js";
import { getJson, postJson, TestClient } from "./helpers.js";

describe("embedding in an existing HTTP server", () => {
  it("serves the host app's routes, Herald's API and its WebSocket on one port", async () => {
    const herald = createGateway({ config: { log: { level: "silent" } }, defaultMetrics: false });
    const mw = herald.middleware();
    const server = createServer((req, res) => {
      mw(req, res, () => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ app: "host", path: req.url }));
      });
    });
    server.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    await herald.attach(server);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      assert.deepEqual((await getJson(`${base}/orders`)).body, { app: "host", path: "/orders" });
      assert.deepEqual((await getJson(`${base}/healthz`)).body, { status: "ok" });
      const c = await TestClient.connect(`${base.replace("http", "ws")}/ws`);
      await c.request({ type: "subscribe", topic: "orders.*" });
      const published = await postJson(`${base}/api/publish`, { topic: "orders.1", data: "via api" });
      assert.equal(published.status, 200);
      await herald.publish("orders.2", "in process", { event: "order_update" });
      const events = await c.events(2);
      assert.deepEqual(
        events.map((e) => [e.topic, e.data]),
        [
          ["orders.1", "via api"],
          ["orders.2", "in process"],
        ],
      );
      assert.equal(events[1]?.event, "order_update");
      c.close();
    } finally {
      await herald.close();
      assert.equal(server.listening, true, "closing Herald leaves the host server running");
      server.close();
    }
  });
});
