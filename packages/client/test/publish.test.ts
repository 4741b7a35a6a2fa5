/**
 * Publishing and history against the real gateway: acks, idempotent ids, the bounded offline
 * queue (and its overflow), timeouts, and publishes that survive connection kills exactly once.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { reservedClosedPort } from "../../server/test/ports.js";
import type { HeraldEvent } from "../src/index.js";
import { startGateway, testClient, until } from "./support.js";

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test("publish resolves with the ack; the same id is acknowledged as a duplicate", async () => {
  const running = await startGateway();
  cleanups.push(() => running.close());
  const client = testClient(running.wsUrl).connect();
  cleanups.push(() => client.close());
  const a = await client.publish("pub.one", { x: 1 }, { event: "thing", id: "evt-1" });
  assert.equal(a.topic, "pub.one");
  assert.equal(a.eventId, "evt-1");
  assert.equal(a.seq, 1);
  assert.equal(a.duplicate, false);
  const again = await client.publish("pub.one", { x: 1 }, { id: "evt-1" });
  assert.equal(again.duplicate, true);
  assert.equal(again.seq, 1);
  await assert.rejects(client.publish("bad..topic", 1), { code: "invalid_topic" });
});

test("offline queue: publishes wait for the connection, in order; overflow rejects the new one", async () => {
  const running = await startGateway();
  cleanups.push(() => running.close());
  const client = testClient(running.wsUrl, { maxQueuedPublishes: 3 });
  cleanups.push(() => client.close());
  const pending = [1, 2, 3].map((i) => client.publish("pub.queue", { i }));
  assert.equal(client.queuedPublishes, 3);
  await assert.rejects(client.publish("pub.queue", { i: 4 }), { code: "queue_full" });
  assert.equal(client.queuedPublishes, 3, "queued publishes are never dropped");
  client.connect();
  const acks = await Promise.all(pending);
  assert.deepEqual(
    acks.map((a) => a.seq),
    [1, 2, 3],
  );
  const page = await client.history<{ i: number }>("pub.queue");
  assert.deepEqual(
    page.events.map((e) => e.data.i),
    [1, 2, 3],
  );
  assert.equal(page.seq, 3);
  const tail = await client.history("pub.queue", { since: 2 });
  assert.deepEqual(
    tail.events.map((e) => e.seq),
    [3],
  );
});

test("a publish that gets no ack in time rejects with request_timeout", async () => {
  // Nothing listens there: a port this test reserved and closed.
  const client = testClient(`ws://127.0.0.1:${await reservedClosedPort()}/ws`, {
    backoff: { minMs: 1000, maxMs: 1000 },
  });
  client.on("state", () => {});
  client.connect();
  cleanups.push(() => client.close());
  await assert.rejects(client.publish("pub.t", 1, { timeoutMs: 30 }), { code: "request_timeout" });
  assert.equal(client.queuedPublishes, 0, "a timed-out publish leaves the queue");
  client.close();
  await assert.rejects(client.publish("pub.t", 1), { code: "client_closed" });
});

test("publishes in flight when the connection is killed are resent and delivered exactly once", async () => {
  const running = await startGateway();
  cleanups.push(() => running.close());
  const reader = testClient(running.wsUrl).connect();
  cleanups.push(() => reader.close());
  const got: HeraldEvent<{ i: number }>[] = [];
  const sub = reader.subscribe<{ i: number }>("pub.kill");
  sub.on("event", (e) => got.push(e));
  await until(() => sub.status === "subscribed", "reader subscribed");

  const writer = testClient(running.wsUrl);
  let writerConnects = 0;
  writer.on("state", (st) => {
    if (st.status === "connected") writerConnects++;
  });
  writer.connect();
  cleanups.push(() => writer.close());
  await writer.whenConnected();
  const n = 150; // stays under the server's default inbound frame rate
  const acks: Promise<unknown>[] = [];
  let kills = 0;
  for (let i = 0; i < n; i++) {
    acks.push(writer.publish("pub.kill", { i }, { timeoutMs: 20_000 }));
    if (i % 30 === 15) {
      // Kill only the writer's connection: its unacknowledged publishes must be resent.
      await writer.whenConnected();
      const before = writerConnects;
      for (const s of running.gateway.core.sessions.values()) {
        if (s.subscriptionCount === 0) (s.transport as unknown as { ws: { terminate(): void } }).ws.terminate();
      }
      kills++;
      await until(() => writerConnects > before, "the writer to reconnect after the kill");
    }
  }
  await Promise.all(acks);
  // A marker after every ack: once it is in, a duplicate would be in too.
  await running.gateway.publish("pub.kill", { i: -1 });
  await until(() => got.some((e) => e.data.i === -1), "the marker after every publish at the reader");
  assert.equal(got.pop()?.data.i, -1, "the marker came last");
  assert.deepEqual(
    got.map((e) => e.data.i),
    Array.from({ length: n }, (_, i) => i),
  );
  assert.equal(kills, 5);
  assert.ok(writerConnects >= kills + 1, `the writer reconnected ${writerConnects - 1} times`);
});
