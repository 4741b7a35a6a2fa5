/**
 * Redis faults under a live publish stream, with two gateways (two nodes) in this process:
 * pub/sub connections killed (`CLIENT KILL TYPE pubsub`), and Redis restarted without its data.
 * They run against a private redis-server on a free port of this test's own, so restarting it
 * never disturbs other tests using the shared Redis at 6379; it is always stopped in `finally`.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import type { HeraldConfigInput } from "../../src/config.js";
import { type Frame, getJson, type Running, startGateway, TestClient } from "../helpers.js";
import { PrivateRedis } from "../private-redis.js";
import { waitFor } from "../wait-for.js";

const prefix = `herald-test-${randomUUID().slice(0, 8)}`;
let redis: PrivateRedis;

before(async () => {
  redis = await PrivateRedis.start();
});
after(async () => {
  await redis.close();
});

const nodeConfig = (): HeraldConfigInput => ({
  engine: { type: "redis", keyPrefix: prefix, redisUrl: redis.url },
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
    const admin = new Redis(redis.url);
    try {
      const topic = `k${randomUUID().slice(0, 6)}.x`;
      const pattern = `k${topic.slice(1, 7)}.>`;
      const client = await TestClient.connect(b.wsUrl);
      assert.equal((await client.request({ type: "subscribe", topic })).type, "ack");
      const other = await TestClient.connect(a.wsUrl);
      assert.equal((await other.request({ type: "subscribe", topic: pattern })).type, "ack");
      const acked: number[] = [];
      const refusals: string[] = [];
      let outages = 0;
      for (let i = 1; i <= 200; i++) {
        if (i === 60 || i === 140) await admin.call("CLIENT", "KILL", "TYPE", "pubsub");
        // Command connections too (the admin's own included; ioredis reconnects it).
        if (i === 100) await admin.call("CLIENT", "KILL", "TYPE", "normal").catch(() => {});
        const first = await tryPublish(a, topic, i);
        if (typeof first === "string") {
          // Not ready while reconnecting: refused, never half-accepted (a refused publish that
          // was stored after all would show up twice below). Retry the same one until accepted.
          outages++;
          refusals.push(first);
          await waitFor(
            async () => {
              const again = await tryPublish(a, topic, i);
              if (typeof again === "string") refusals.push(again);
              return typeof again !== "string";
            },
            { what: `publish ${i} to be accepted again after the kill`, interval: 20 },
          );
        }
        acked.push(i);
      }
      // Each of the three kills interrupts publishing at most once, and only with `unavailable`.
      assert.ok(outages <= 3, `${outages} separate outages for 3 kills`);
      assert.deepEqual(new Set(refusals), new Set(refusals.length ? ["unavailable"] : []), refusals.join());
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
        await redis.down();
        for (let k = 0; k < 5; k++) await publish(); // Redis is gone: refused at once
        assert.equal((await getJson(`${a.url}/readyz`)).status, 503);
      } finally {
        await redis.up();
      }
      // Node B finds a new stream epoch and asks its connections to reconnect (4008).
      assert.equal(await client.closed, 4008);
      await waitFor(() => a.gateway.core.engine.broker.ready && b.gateway.core.engine.broker.ready, {
        what: "both nodes' brokers ready again after the Redis restart",
      });
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
      await redis.up();
      await a.close();
      await b.close();
    }
  });

  it("starts a node while Redis is down once Redis is back", async () => {
    await redis.down();
    // Stands in for the dead Redis: refuses every connection, and tells us the node tried.
    const attempts: Socket[] = [];
    const refuser = createServer((socket) => {
      attempts.push(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => refuser.listen(redis.port, "127.0.0.1", resolve));
    let node: Running | undefined;
    try {
      let started = false;
      const starting = startGateway(nodeConfig()).then((n) => {
        started = true;
        return n;
      });
      await waitFor(() => attempts.length >= 2, { what: "the starting node to try Redis and fail twice" });
      assert.equal(started, false, "the node cannot be up while Redis is down");
      await new Promise((resolve) => refuser.close(resolve));
      await redis.up();
      node = await starting;
      assert.equal((await getJson(`${node.url}/readyz`)).status, 200);
      assert.equal(typeof (await node.gateway.publish("boot.check", 1)).event.seq, "number");
    } finally {
      if (refuser.listening) await new Promise((resolve) => refuser.close(resolve));
      await redis.up();
      await node?.close();
    }
  });
});
