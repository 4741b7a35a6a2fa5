import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiKeys, underPrefix } from "./api-key.js";
import { enforceScope } from "./api-scope.js";

const keys = new ApiKeys(
  ["full-key-0123456789abcdef"],
  [{ name: "orders", key: "orders-key-0123456789ab", publish: ["orders", "audit.orders"], read: ["orders"] }],
);

describe("API keys", () => {
  it("grants by key, never by prefix of a key", () => {
    assert.equal(keys.grant("full-key-0123456789abcdef")?.full, true);
    assert.equal(keys.grant("orders-key-0123456789ab")?.name, "orders");
    assert.equal(keys.grant("orders-key-0123456789a"), undefined);
    assert.equal(keys.grant(undefined), undefined);
    assert.equal(keys.verify(""), false);
    assert.equal(new ApiKeys([]).open, true);
  });

  it("matches prefixes by whole segments", () => {
    assert.ok(underPrefix("orders", "orders"));
    assert.ok(underPrefix("orders.1", "orders"));
    assert.equal(underPrefix("ordersX", "orders"), false);
    assert.ok(underPrefix("anything", ""));
  });

  it("lets a scoped key publish and read only in scope, and call no other route", () => {
    const g = keys.grant("orders-key-0123456789ab");
    assert.ok(g);
    enforceScope(g, { method: "POST", body: { topic: "orders.9" } });
    enforceScope(g, { method: "POST", body: { events: [{ topic: "orders.1" }, { topic: "audit.orders.1" }] } });
    enforceScope(g, { method: "GET", params: { topic: "orders.9" } });
    const denied = [
      { method: "POST", body: { topic: "payments" } },
      { method: "POST", body: { events: [{ topic: "orders.1" }, { topic: "user.x" }] } },
      { method: "POST", body: { events: [{}] } },
      { method: "GET", params: { topic: "audit.orders.1" } },
      { method: "GET" },
      { method: "POST", params: { user: "bob" } },
    ];
    for (const req of denied) assert.throws(() => enforceScope(g, req), { code: "forbidden" }, JSON.stringify(req));
  });
});
