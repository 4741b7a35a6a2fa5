// Store and Redis latency histograms: a durable publish is timed as a store `append`, a publish on
// the Redis engine as the engine's `evalsha`; a store outage shows as `error` outcomes.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type Running, startGateway } from "./helpers.js";

async function metric(g: Running, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${g.url}/metrics`)).text();
  const line = text.split("\n").find((l) => pattern.test(l));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("operation latency histograms", () => {
  it("times every store call by operation and outcome", async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-store-metrics-"));
    const g = await startGateway({
      store: { path: join(dir, "herald.db") },
      namespaces: [{ prefix: "orders", durable: true }],
    });
    try {
      for (let i = 0; i < 3; i++) await g.gateway.publish("orders.eu", { i });
      const appended = await metric(g, /^herald_store_operation_seconds_count\{operation="append",outcome="ok"\}/);
      assert.ok(appended >= 1, `append timed ${appended} times`);
      const sum = await metric(g, /^herald_store_operation_seconds_sum\{operation="append",outcome="ok"\}/);
      assert.ok(sum > 0, "with a duration");
    } finally {
      await g.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("times the Redis engine's commands", async () => {
    const g = await startGateway({
      engine: { type: "redis", keyPrefix: `herald-metrics-${randomUUID().slice(0, 8)}` },
    });
    try {
      for (let i = 0; i < 3; i++) await g.gateway.publish("orders.eu", { i });
      // One script call per publish: `evalsha`, or `eval` the first time a script is not cached yet.
      const evalsha = await metric(g, /^herald_redis_command_seconds_count\{command="evalsha",outcome="ok"\}/);
      const evals = await metric(g, /^herald_redis_command_seconds_count\{command="eval",outcome="ok"\}/);
      assert.ok(evalsha + evals >= 3, `script calls timed ${evalsha} + ${evals} times`);
    } finally {
      await g.close();
    }
  });
});
