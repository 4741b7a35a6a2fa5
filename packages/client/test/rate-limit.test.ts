/**
 * Publishing under the server's inbound rate limit, against the real gateway (20 frames/s,
 * burst 5): a burst of publishes far over the limit is not failed — refused frames are retried
 * with backoff, one at a time, and every publish is acknowledged and delivered exactly once;
 * publishes made while the client is pacing keep their order; with no retries allowed the
 * refused ones reject with `rate_limited`. A small protocol-level server that echoes the
 * request id on `rate_limited` checks the exact path (the one frame named is retried).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, test } from "node:test";
import { WebSocketServer } from "ws";
import { waitFor } from "../../server/test/wait-for.js";
import type { HeraldClientError, HeraldEvent, PublishAck } from "../src/index.js";
import { startGateway, testClient, until } from "./support.js";

const config = { limits: { inboundFramesPerSecond: 20, inboundFrameBurst: 5, rateLimitStrikes: 100_000 } };

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test("a burst over the rate limit is retried with backoff: every publish acked and delivered once; later ones in order", async () => {
  const running = await startGateway(config);
  cleanups.push(() => running.close());
  const reader = testClient(running.wsUrl).connect();
  cleanups.push(() => reader.close());
  const got: HeraldEvent<{ i: number }>[] = [];
  const sub = reader.subscribe<{ i: number }>("rl.topic");
  sub.on("event", (e) => got.push(e));
  await until(() => sub.status === "subscribed", "reader subscribed");

  const writer = testClient(running.wsUrl, {
    pingIntervalMs: 0,
    publishRetry: { attempts: 50, minMs: 50, maxMs: 200 },
  }).connect();
  cleanups.push(() => writer.close());
  const refusals: HeraldClientError[] = [];
  writer.on("error", (e) => refusals.push(e));
  await writer.whenConnected();

  const first = Array.from({ length: 25 }, (_, i) => writer.publish("rl.topic", { i }, { timeoutMs: 60_000 }));
  // The server now names the refused request, so refusals reach the publisher, not `error`:
  // count them at the server.
  const refused = async () =>
    (await running.gateway.core.metrics.errors.get()).values.find((v) => v.labels.code === "rate_limited")?.value ?? 0;
  await waitFor(async () => (await refused()) > 0, { what: "the server to refuse frames for rate", timeout: 20_000 });
  // …and the refusal to reach the client: it is pacing once a refused publish is queued again.
  await until(() => writer.queuedPublishes > 0, "the writer to queue a refused publish again", 20_000);
  // Published while the client is pacing: they wait behind the refused ones and keep their order.
  const later = Array.from({ length: 10 }, (_, k) => writer.publish("rl.topic", { i: 25 + k }, { timeoutMs: 60_000 }));
  const acks: PublishAck[] = await Promise.all([...first, ...later]);
  // A marker published after every ack: once it is in, any duplicate would be in too.
  await running.gateway.publish("rl.topic", { i: -1 });
  await until(() => got.some((e) => e.data.i === -1), "the marker after every publish at the reader");
  assert.equal(got.pop()?.data.i, -1, "the marker came last");

  assert.equal(got.length, 35, "each publish delivered once");
  assert.deepEqual(
    got.map((e) => e.data.i).sort((a, b) => a - b),
    Array.from({ length: 35 }, (_, i) => i),
  );
  assert.deepEqual(
    got.slice(25).map((e) => e.data.i),
    Array.from({ length: 10 }, (_, k) => 25 + k),
    "publishes queued while pacing arrive after every earlier one, in order",
  );
  assert.equal(new Set(acks.map((a) => a.seq)).size, 35, "35 distinct positions: nothing stored twice");
  const page = await reader.history("rl.topic");
  assert.equal(page.events.length, 36, "35 publishes and the marker");
  // The server refused frames, and the publisher absorbed every refusal by retrying: none
  // surfaced as a client `error`.
  assert.ok((await refused()) > 0, "the server refused frames for rate");
  assert.deepEqual(
    refusals.map((e) => e.code),
    [],
  );
  assert.equal(writer.queuedPublishes, 0);
});

test("with publishRetry.attempts 0 a refused publish rejects with rate_limited; the others are acked", async () => {
  const running = await startGateway(config);
  cleanups.push(() => running.close());
  const writer = testClient(running.wsUrl, { pingIntervalMs: 0, publishRetry: { attempts: 0 } }).connect();
  cleanups.push(() => writer.close());
  writer.on("error", () => {});
  await writer.whenConnected();
  const outcomes = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) => writer.publish("rl.none", { i }, { timeoutMs: 10_000 })),
  );
  const rejected = outcomes.filter((o) => o.status === "rejected");
  assert.ok(rejected.length > 0, "some publishes were refused");
  for (const r of rejected) assert.equal((r.reason as HeraldClientError).code, "rate_limited");
  const fulfilled = outcomes.filter((o) => o.status === "fulfilled");
  assert.ok(fulfilled.length > 0, "the burst allowance was acked");
  // Paced, a refusal names the one publish in flight: the rejected ones were not stored.
  const stored = await running.gateway.core.engine.broker.history("rl.none", { limit: 100 });
  assert.equal(stored.events.length, fulfilled.length);
  assert.throws(() => testClient(running.wsUrl, { publishRetry: { attempts: -1 } }), /publishRetry.attempts/);
  assert.throws(() => testClient(running.wsUrl, { publishRetry: { minMs: 10, maxMs: 5 } }), /publishRetry.maxMs/);
});

test("a rate_limited answer that carries the request id retries exactly that publish, in order", async () => {
  // A protocol-level stand-in for a server that names the refused request.
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(wss, "listening");
  cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
  const accepted: number[] = [];
  let refuseNext = 2; // refuse the 2nd publish once
  let count = 0;
  wss.on("connection", (ws) => {
    ws.send(JSON.stringify({ type: "welcome", client: "c1", version: "x", epoch: "e", heartbeat: 25_000 }));
    ws.on("message", (raw) => {
      const f = JSON.parse(String(raw));
      if (f.type !== "publish") return;
      if (++count === refuseNext) {
        refuseNext = -1;
        ws.send(JSON.stringify({ type: "error", id: f.id, code: "rate_limited", error: "slow down", timestamp: 0 }));
        return;
      }
      accepted.push(f.data.i);
      ws.send(
        JSON.stringify({
          type: "ack",
          id: f.id,
          topic: f.topic,
          eventId: f.eventId,
          seq: accepted.length,
          epoch: "e",
          offset: accepted.length,
          duplicate: false,
        }),
      );
    });
  });
  const port = (wss.address() as { port: number }).port;
  const client = testClient(`ws://127.0.0.1:${port}/ws`, { pingIntervalMs: 0, publishRetry: { minMs: 20, maxMs: 20 } });
  cleanups.push(() => client.close());
  await client.connect().whenConnected();
  const a = await client.publish("t.x", { i: 1 });
  const b = client.publish("t.x", { i: 2 });
  await until(() => client.queuedPublishes === 1, "the refused publish back in the queue");
  const c = client.publish("t.x", { i: 3 }); // waits behind the refused one while the client paces
  const acks = await Promise.all([b, c]);
  assert.equal(a.seq, 1);
  assert.deepEqual(accepted, [1, 2, 3], "the refused publish was retried before the next one");
  assert.deepEqual(
    acks.map((x) => x.seq),
    [2, 3],
  );
});
