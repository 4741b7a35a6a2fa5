import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hostPort } from "./redis-open.js";

describe("Sentinel addresses", () => {
  it("splits host:port and [IPv6]:port", () => {
    assert.deepEqual(hostPort("10.0.0.5:26379"), { host: "10.0.0.5", port: 26379 });
    assert.deepEqual(hostPort("sentinel-1.internal:26380"), { host: "sentinel-1.internal", port: 26380 });
    assert.deepEqual(hostPort("[fd00::7]:26381"), { host: "fd00::7", port: 26381 });
  });
});
