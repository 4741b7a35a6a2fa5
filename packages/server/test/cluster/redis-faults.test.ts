/**
 * Redis faults under a live publish stream, with two gateways (two nodes) in this process:
 * pub/sub connections killed (`CLIENT KILL TYPE pubsub`), and Redis restarted without its data.
 * They run against a private redis-server on a free port of this test's own, so restarting it
 * never disturbs other tests using the shared Redis at 6379; it is always stopped in `finally`.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import type { HeraldConfigInput } from "../../src/config.js";
import { type Frame, getJson, type Running, sleep, startGateway, TestClient } from "../helpers.js";

const run = promisify(execFile);
const prefix = `herald-test-${randomUUID().slice(0, 8)}`;
const dir = mkdtempSync(join(tmpdir(), "herald-redis-"));
let port = 0;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const p = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return p;
}

async function redisUp(): Promise<boolean> {
  try {
    const { stdout } = await run("redis-cli", ["-p", String(port), "ping"]);
    return stdout.trim() === "PONG";
  } catch {
    return false;
  }
}

/** Starts the private Redis (nothing persisted), or does nothing when it is running. */
async function startRedis(): Promise<void> {
  if (await redisUp()) return;
  await run("redis-server", [
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "--port",
    String(port),
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
    "--logfile",
    join(dir, "redis.log"),
  ]);
  for (let i = 0; i < 100 && !(await redisUp()); i++) await sleep(50);
}

async function stopRedis(): Promise<void> {
  await run("redis-cli", ["-p", String(port), "shutdown", "nosave"]).catch(() => {});
  for (let i = 0; i < 100 && (await redisUp()); i++) await sleep(50);
}

before(async () => {
  port = await freePort();
  await startRedis();
});
after(async () => {
  await stopRedis();
  rmSync(dir, { recursive: true, force: true });
});

const nodeConfig = (): HeraldConfigInput => ({
  engine: { type: "redis", keyPrefix: prefix, redisUrl: `redis://127.0.0.1:${port}` },
});

/** Publishes `data` on `topic` through `node`; the outcome, or the error code when refused. */
async function tryPublish(node: Running, topic: string, data: number): Promise<Frame | string> {
  try {
    const { event } = await node.gateway.publish(topic, data);
    return event as unknown as Frame;
  } catch (err) {
    return (err as { code?: string }).code ?? "error";
  }
}

describe("Redis faults", () => {
  it("restores subscriptions after CLIENT KILL (pubsub, then command connections), losing nothing", async () => {
    const a = await startGateway(nodeConfig());
    const b = await startGateway(nodeConfig());
    const admin = new Redis(`redis://127.0.0.1:${port}`);
    try {
      const topic = `k${randomUUID().slice(0, 6)}.x`;
      const pattern = `k${topic.slice(1, 7)}.>`;
      const client = await TestClient.connect(b.wsUrl);
      assert.equal((await client.request({ type: "subscribe", topic })).type, "ack");
      const other = await TestClient.connect(a.wsUrl);
      assert.equal((await other.request({ type: "subscribe", topic: pattern })).type, "ack");
      const acked: number[] = [];
      for (let i = 1; i <= 200; i++) {
        if (i === 60 || i === 140) await admin.call("CLIENT", "KILL", "TYPE", "pubsub");
        // Command connections too (the admin's own included; ioredis reconnects it).
        if (i === 100) await admin.call("CLIENT", "KILL", "TYPE", "normal").catch(() => {});
        const r = await tryPublish(a, topic, i);
        if (typeof r !== "string") acked.push(i);
        else await sleep(20); // not ready while resubscribing: refused, never half-accepted
      }
      assert.ok(acked.includes(200), "delivery resumed after the kills");
      for (const c of [client, other]) {
        const got = await c.events(acked.length, 10_000);
        assert.deepEqual(
          got.map((e) => e.data),
          acked,
        );
        assert.equal(c.closeCode, undefined, "no reconnect was needed");
      }
      client.close();
      other.close();
    } finally {
      admin.disconnect();
      await a.close();
      await b.close();
    }
  });

  it("survives a Redis restart: refuses while down, resets epochs, resumes delivery", async () => {
    const a = await startGateway(nodeConfig());
    const b = await startGateway(nodeConfig());
    try {
      const topic = `r${randomUUID().slice(0, 6)}.x`;
      let client = await TestClient.connect(b.wsUrl);
      assert.equal((await client.request({ type: "subscribe", topic })).type, "ack");
      const acked: Frame[] = [];
      const refused: string[] = [];
      let i = 0;
      const publish = async () => {
        const r = await tryPublish(a, topic, ++i);
        if (typeof r === "string") refused.push(r);
        else acked.push(r);
      };
      for (let k = 0; k < 20; k++) await publish();
      const before = await client.events(20);
      try {
        await stopRedis();
        for (let k = 0; k < 5; k++) await publish(); // Redis is gone: refused at once
        assert.equal((await getJson(`${a.url}/readyz`)).status, 503);
      } finally {
        await startRedis();
      }
      // Node B finds a new stream epoch and asks its connections to reconnect (4008).
      assert.equal(await client.closed, 4008);
      while (!a.gateway.core.broker.ready || !b.gateway.core.broker.ready) await sleep(20);
      assert.equal((await getJson(`${a.url}/readyz`)).status, 200);
      const last = before[before.length - 1] as Frame;
      client = await TestClient.connect(b.wsUrl);
      const resumed = await client.request({ type: "subscribe", topic, since: { epoch: last.epoch, seq: last.seq } });
      assert.equal(resumed.recovered, false, "the history is gone and the client is told so");
      assert.notEqual(resumed.epoch, last.epoch);
      for (let k = 0; k < 20; k++) await publish();
      const afterRestart = await client.events(20);
      client.close();

      assert.ok(refused.length >= 5 && refused.every((c) => c === "unavailable"), refused.join());
      const received = [...before, ...afterRestart];
      // No acknowledged event lost, none delivered twice, each epoch in order.
      assert.deepEqual(
        received.map((e) => e.id),
        acked.map((e) => e.id),
      );
      assert.deepEqual(
        afterRestart.map((e) => e.seq),
        Array.from({ length: 20 }, (_, k) => k + 1),
      );
    } finally {
      await startRedis();
      await a.close();
      await b.close();
    }
  });

  it("starts a node while Redis is down once Redis is back", async () => {
    await stopRedis();
    let node: Running | undefined;
    try {
      const starting = startGateway(nodeConfig());
      await sleep(300);
      await startRedis();
      node = await starting;
      assert.equal((await getJson(`${node.url}/readyz`)).status, 200);
      assert.equal(typeof (await node.gateway.publish("boot.check", 1)).event.seq, "number");
    } finally {
      await startRedis();
      await node?.close();
    }
  });
});
