/**
 * Redis stalled (SIGSTOP), and its pub/sub clients killed, with two gateway nodes in this
 * process on a private redis-server (issue 11, items 4–7). The private server is always
 * stopped in `after`, and resumed before that, so nothing is left stopped.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { HeraldConfigInput } from "../../src/config.js";
import { type Frame, getJson, postJson, type Running, startGateway, TestClient } from "../helpers.js";
import { PrivateRedis } from "../private-redis.js";
import { waitFor } from "../wait-for.js";

let redis: PrivateRedis;
const prefix = `herald-stall-${randomUUID().slice(0, 8)}`;
let a: Running;
let b: Running;

const nodeConfig = (): HeraldConfigInput => ({
  engine: { type: "redis", keyPrefix: prefix, redisUrl: redis.url, commandTimeoutMs: 1000, healthCheckMs: 300 },
  namespaces: [{ prefix: "", history: { size: 1000, ttlSeconds: 0 } }],
});

before(async () => {
  redis = await PrivateRedis.start();
  a = await startGateway(nodeConfig());
  b = await startGateway(nodeConfig());
});
after(async () => {
  redis?.resume();
  await a?.close();
  await b?.close();
  await redis?.close();
});

async function readyStatus(node: Running): Promise<number> {
  return (await fetch(`${node.url}/readyz`)).status;
}

async function bothReady(): Promise<void> {
  await waitFor(async () => (await readyStatus(a)) === 200 && (await readyStatus(b)) === 200, {
    what: "both nodes ready",
  });
}

describe("Redis stalled", () => {
  it("item 4: /readyz answers 503 on both nodes during a stall and 200 after it", async () => {
    await bothReady();
    redis.stall();
    try {
      await waitFor(async () => (await readyStatus(a)) === 503, { what: "node a not ready", timeout: 5000 });
      await waitFor(async () => (await readyStatus(b)) === 503, { what: "node b not ready", timeout: 5000 });
      const body = await getJson(`${a.url}/readyz`);
      assert.equal(body.body.broker, false);
    } finally {
      redis.resume();
    }
    await bothReady();
  });

  it("item 5: publishes refused with unavailable during a stall never happen later", async () => {
    await bothReady();
    const topic = `stall.${randomUUID().slice(0, 8)}`;
    const sub = await TestClient.connect(b.wsUrl);
    assert.equal((await sub.request({ type: "subscribe", topic })).type, "ack");
    // One publish first, so the script is loaded and the stalled ones go out as EVALSHA at once.
    assert.equal((await postJson(`${a.url}/api/publish`, { topic, data: "warm-up" })).status, 200);
    assert.equal((await sub.next("event")).data, "warm-up");
    const ids = Array.from({ length: 40 }, (_, i) => `refused-${i}-${randomUUID().slice(0, 6)}`);
    redis.stall();
    let answers: Array<{ status: number; body: Record<string, unknown> }>;
    try {
      // Sent at once: the first ones reach the stalled Redis before the probe notices.
      answers = await Promise.all(ids.map((id) => postJson(`${a.url}/api/publish`, { topic, id, data: id })));
    } finally {
      redis.resume();
    }
    for (const r of answers) {
      assert.equal(r.status, 503);
      assert.equal(r.body.code, "unavailable");
    }
    await bothReady();
    const marker = await postJson(`${a.url}/api/publish`, { topic, id: `marker-${randomUUID()}`, data: "marker" });
    assert.equal(marker.status, 200);
    const got: Frame[] = [];
    for (;;) {
      const e = await sub.next("event", 10_000);
      got.push(e);
      if (e.data === "marker") break;
    }
    const refused = new Set(ids);
    assert.deepEqual(
      got.filter((e) => refused.has(e.id as string)).map((e) => e.id),
      [],
      "no subscriber got a refused publish",
    );
    const history = await getJson(`${b.url}/api/topics/${topic}/history?limit=1000`);
    const inHistory = (history.body.events as Array<{ id: string }>).map((e) => e.id).filter((id) => refused.has(id));
    assert.deepEqual(inHistory, [], "no refused publish is in history");
    assert.equal(marker.body.seq, 2, "the refused publishes used no seq");
    sub.close();
  });

  it("item 7: a WebSocket opened during a stall is closed with 4008, without welcome", async () => {
    await bothReady();
    redis.stall();
    try {
      const c = await TestClient.connect(a.wsUrl, { waitWelcome: false });
      const code = await c.closed;
      assert.equal(code, 4008);
      assert.equal(
        c.frames.some((f) => f.type === "welcome"),
        false,
      );
      const disconnect = c.frames.find((f) => f.type === "disconnect");
      assert.equal(disconnect?.code, 4008);
    } finally {
      redis.resume();
    }
    await bothReady();
  });
});

describe("Redis pub/sub connections killed", () => {
  it("item 6: publishes right after CLIENT KILL TYPE pubsub are accepted and delivered", async () => {
    await bothReady();
    const topic = `kill.${randomUUID().slice(0, 8)}`;
    const sub = await TestClient.connect(b.wsUrl);
    assert.equal((await sub.request({ type: "subscribe", topic })).type, "ack");
    const admin = redis.client();
    try {
      await admin.call("CLIENT", "KILL", "TYPE", "pubsub");
      const answers = await Promise.all(
        Array.from({ length: 15 }, (_, i) => postJson(`${a.url}/api/publish`, { topic, data: i })),
      );
      assert.deepEqual(
        answers.map((r) => r.status),
        Array(15).fill(200),
      );
      const events = await sub.events(15, 10_000);
      assert.deepEqual(
        events.map((e) => e.data).sort((x, y) => (x as number) - (y as number)),
        Array.from({ length: 15 }, (_, i) => i),
      );
    } finally {
      admin.disconnect();
      sub.close();
    }
  });
});
