/**
 * Exact recovery against the real gateway: while 10,000 events go to a topic and 10,000 to
 * topics under a pattern, the server kills the client's connection again and again (and, in
 * the second test, restarts). Every event must arrive once, in order.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { WebSocket } from "ws";
import type { HeraldEvent } from "../src/index.js";
import { killConnections, type Running, sleep, startGateway, testClient, until } from "./support.js";

const N = 10_000;
const config = {
  namespaces: [{ prefix: "", history: { size: 20_000, ttlSeconds: 0 } }],
  recovery: { maxEvents: 20_000, streamSize: 100_000 },
};
const feeds = ["feed.a", "feed.b.x", "feed.c"];

interface Payload {
  i: number;
}

function collect(client: ReturnType<typeof testClient>) {
  const topic: HeraldEvent<Payload>[] = [];
  const pattern: HeraldEvent<Payload>[] = [];
  const exactA: HeraldEvent<Payload>[] = [];
  const resets: string[] = [];
  const t = client.subscribe<Payload>("load.main");
  const p = client.subscribe<Payload>("feed.>");
  const a = client.subscribe<Payload>("feed.a"); // overlaps the pattern
  t.on("event", (e) => topic.push(e));
  p.on("event", (e) => pattern.push(e));
  a.on("event", (e) => exactA.push(e));
  t.on("reset", () => resets.push("topic"));
  p.on("reset", () => resets.push("pattern"));
  a.on("reset", () => resets.push("exact"));
  let connects = 0;
  client.on("state", (s) => {
    if (s.status === "connected") connects++;
  });
  return { topic, pattern, exactA, resets, connects: () => connects, subs: [t, p, a] };
}

/** Publishes events [from, to) to the topic and to the pattern's topics, killing connections on the way. */
async function publishRange(running: Running, from: number, to: number, killEvery: number): Promise<number> {
  let kills = 0;
  for (let i = from; i < to; i++) {
    await running.gateway.publish("load.main", { i });
    await running.gateway.publish(feeds[i % 3] as string, { i });
    if (i % 50 === 0) await sleep(1); // let the client read between bursts
    if (i % killEvery === killEvery / 2) {
      killConnections(running.gateway, kills % 2 === 0 ? "close" : "terminate");
      kills++;
    }
  }
  return kills;
}

function assertExactlyOnceInOrder(events: HeraldEvent<Payload>[], expected: number[], what: string): void {
  const got = events.map((e) => e.data.i);
  assert.equal(got.length, expected.length, `${what}: ${got.length} events, expected ${expected.length}`);
  for (let k = 0; k < expected.length; k++) {
    if (got[k] !== expected[k]) assert.fail(`${what}: event #${k} is ${got[k]}, expected ${expected[k]}`);
  }
  // Within a topic and epoch, seq strictly increases with no gap.
  const last = new Map<string, { epoch: string; seq: number }>();
  for (const e of events) {
    const prev = last.get(e.topic);
    if (prev !== undefined && prev.epoch === e.epoch)
      assert.equal(e.seq, prev.seq + 1, `${what}: seq gap on ${e.topic}`);
    last.set(e.topic, { epoch: e.epoch, seq: e.seq });
  }
}

/**
 * Publishes a marker (`i: -1`) on `load.main` and `feed.a` after everything else and waits until
 * every subscription has it: events arrive in order, so a duplicate or a late replay would have
 * arrived before it. Removes the markers, checking each came last.
 */
async function untilMarkers(running: Running, seen: ReturnType<typeof collect>): Promise<void> {
  await running.gateway.publish("load.main", { i: -1 });
  await running.gateway.publish("feed.a", { i: -1 });
  const lists = { topic: seen.topic, pattern: seen.pattern, exactA: seen.exactA };
  await until(() => Object.values(lists).every((l) => l.some((e) => e.data.i === -1)), "the end markers");
  for (const [name, list] of Object.entries(lists))
    assert.equal(list.pop()?.data.i, -1, `${name}: the marker came last`);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test("connection kills: 10,000 events to a topic and a pattern arrive once, in order", async () => {
  const running = await startGateway(config);
  cleanups.push(() => running.close());
  const client = testClient(running.wsUrl);
  cleanups.push(() => client.close());
  const seen = collect(client);
  // Also cut every third new connection right after it resubscribed, before the acks and the
  // replay arrive: the next resubscribe must still start from the last delivered event.
  let early = 0;
  client.on("state", (s) => {
    if (s.status === "connected" && seen.connects() > 1 && seen.connects() % 3 === 0) {
      setImmediate(() => {
        early += killConnections(running.gateway, "terminate");
      });
    }
  });
  client.connect();
  await until(() => seen.subs.every((s) => s.status === "subscribed"), "subscriptions");

  const kills = await publishRange(running, 0, N, 1000);
  await until(
    () => seen.topic.length >= N && seen.pattern.length >= N && seen.exactA.length >= Math.ceil(N / 3),
    "all events",
  );
  await untilMarkers(running, seen);

  assert.ok(kills >= 5);
  assert.ok(early >= 2, `early kills: ${early}`);
  assert.ok(seen.connects() >= kills + 1, `reconnected ${seen.connects() - 1} times for ${kills} kills`);
  assertExactlyOnceInOrder(seen.topic, range(0, N), "topic");
  assertExactlyOnceInOrder(seen.pattern, range(0, N), "pattern");
  assertExactlyOnceInOrder(
    seen.exactA,
    range(0, N).filter((i) => i % 3 === 0),
    "exact topic under the pattern",
  );
  assert.deepEqual(seen.resets, [], "recovery across connection kills is exact");
});

test("server restart: recovery reports recovered:false, then delivery is exact again", async () => {
  const first = await startGateway(config);
  let current: Running = first;
  cleanups.push(() => current.close());
  // The restarted gateway listens on a fresh port (re-binding the old one would race with other
  // test files); the client keeps its URL and its sockets are pointed at the current gateway.
  class ToCurrent extends WebSocket {
    constructor(url: string) {
      super(url.replace(new URL(first.url).host, new URL(current.url).host));
    }
  }
  const client = testClient(first.wsUrl, { WebSocket: ToCurrent });
  cleanups.push(() => client.close());
  const seen = collect(client);
  client.connect();
  await until(() => seen.subs.every((s) => s.status === "subscribed"), "subscriptions");

  await publishRange(first, 0, N / 2, 1000);
  await until(() => seen.topic.length >= N / 2 && seen.pattern.length >= N / 2, "first half");
  await first.close();
  current = await startGateway(config);
  // The memory engine starts new epochs: resuming must say recovered:false, for every subscription.
  await until(() => seen.resets.length >= 3, "reset after the restart");
  assert.deepEqual([...seen.resets].sort(), ["exact", "pattern", "topic"]);
  await until(() => seen.subs.every((s) => s.status === "subscribed"), "resubscribed");

  await publishRange(current, N / 2, N, 1000);
  await until(() => seen.topic.length >= N && seen.pattern.length >= N, "second half");
  await untilMarkers(current, seen);

  assertExactlyOnceInOrder(seen.topic, range(0, N), "topic");
  assertExactlyOnceInOrder(seen.pattern, range(0, N), "pattern");
  assert.equal(new Set(seen.topic.map((e) => e.epoch)).size, 2, "two epochs: before and after the restart");
  assert.equal(seen.resets.length, 3, "only the restart lost history");
  assert.ok(seen.connects() >= 4);
});
