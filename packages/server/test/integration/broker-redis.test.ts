/**
 * The shared broker suite on the real Redis (127.0.0.1:6379), isolated by a key prefix per run:
 * with publishes batched per event-loop turn (the default) and with a script call per publish.
 * Then what batching itself must keep: order, duplicates and conflicts inside one call.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { after, describe, it, type TestContext } from "node:test";
import type { HeraldError } from "@herald/protocol";
import { Redis } from "ioredis";
import { DEFAULTS, type HeraldConfig, resolveConfig } from "../../src/config.js";
import type { PublishOutcome, PublishRequest } from "../../src/engine/broker.js";
import { MemoryBroker } from "../../src/engine/broker-memory.js";
import type { RedisBroker, RedisBrokerOptions } from "../../src/engine/broker-redis.js";
import { Namespaces } from "../../src/hub/namespaces.js";
import { brokerSuite } from "../suites/broker.suite.js";
import { waitFor } from "../wait-for.js";
import { dropPrefix, REDIS_URL, redisBroker } from "./redis-helpers.js";

const prefix = `herald-test-${randomUUID().slice(0, 8)}`;
after(() => dropPrefix(prefix));

for (const batch of [undefined, 1]) {
  brokerSuite(
    batch === undefined ? "redis" : "redis, publishBatchMax 1",
    async (config) => {
      const b = redisBroker(prefix, config, batch === undefined ? {} : { publishBatchMax: batch });
      await b.start();
      return b;
    },
    async (b) => {
      await dropPrefix(prefix);
      await b.close();
    },
  );
}

/** Counts the script calls a broker sends (EVALSHA or EVAL). */
function countCalls(b: RedisBroker): { calls: number } {
  const seen = { calls: 0 };
  const r = b.redis as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ["evalsha", "eval"]) {
    const original = r[name] as (...args: unknown[]) => unknown;
    r[name] = (...args: unknown[]) => {
      seen.calls++;
      return original.apply(b.redis, args);
    };
  }
  return seen;
}

describe("Redis broker: publish batching (engine.publishBatchMax)", () => {
  it("sends one turn's publishes in one call, each answered on its own: order, a duplicate and a conflict inside it", async () => {
    const b = redisBroker(prefix);
    await b.start();
    try {
      const topic = `batch.${randomUUID().slice(0, 8)}`;
      const other = `batch.${randomUUID().slice(0, 8)}`;
      await b.publish({ topic: other, data: "warm-up" }); // the script is loaded: one EVALSHA per call from here
      const delivered: string[] = [];
      b.onEvent((e) => {
        if (e.topic === topic) delivered.push(`${e.seq}:${String(e.data)}`);
      });
      const calls = countCalls(b);
      const id = randomUUID();
      const answers = await Promise.allSettled([
        b.publish({ topic, data: "a", id }),
        b.publish({ topic, data: "a again", id }),
        b.publish({ topic: other, data: "elsewhere", id }),
        b.publish({ topic, data: "b" }),
        b.publish({ topic, data: "c" }),
      ]);
      assert.equal(calls.calls, 1, "one script call for the turn");
      const [first, again, conflict, second, third] = answers;
      assert.equal(first.status === "fulfilled" && first.value.duplicate, false);
      assert.ok(again.status === "fulfilled" && again.value.duplicate, "the same id later in the call is a duplicate");
      assert.equal(again.status === "fulfilled" && again.value.event.seq, 1);
      assert.ok(conflict.status === "rejected" && (conflict.reason as HeraldError).code === "conflict");
      assert.deepEqual(
        [second, third].map((a) => (a.status === "fulfilled" ? a.value.event.seq : -1)),
        [2, 3],
      );
      await waitFor(() => delivered.length >= 3, { what: "the three events delivered" });
      assert.deepEqual(delivered, ["1:a", "2:b", "3:c"]);
    } finally {
      await b.close();
    }
  });

  it("splits a turn of more than publishBatchMax publishes into calls of at most that many, in order", async () => {
    const b = redisBroker(prefix, DEFAULTS, { publishBatchMax: 3 });
    await b.start();
    try {
      const topic = `batch.${randomUUID().slice(0, 8)}`;
      await b.publish({ topic: `${topic}.x`, data: "warm-up" });
      const calls = countCalls(b);
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => b.publish({ topic, data: i })));
      assert.equal(calls.calls, 4, "10 publishes in calls of at most 3");
      assert.deepEqual(
        outcomes.map((o) => [o.event.seq, o.event.data]),
        Array.from({ length: 10 }, (_, i) => [i + 1, i]),
      );
      const offsets = outcomes.map((o) => o.event.offset);
      assert.deepEqual(
        offsets,
        [...offsets].sort((x, y) => x - y),
        "stream offsets in publish order",
      );
    } finally {
      await b.close();
    }
  });

  it("two nodes batching at once keep one order per topic, every event once", async () => {
    const a = redisBroker(prefix);
    const c = redisBroker(prefix);
    await a.start();
    await c.start();
    try {
      const topics = Array.from({ length: 5 }, () => `batch.${randomUUID().slice(0, 8)}`);
      const seen = new Map<string, number[]>(topics.map((t) => [t, []]));
      a.onEvent((e) => seen.get(e.topic)?.push(e.seq));
      const burst = (node: RedisBroker, from: number) =>
        Promise.all(
          Array.from({ length: 200 }, (_, i) => node.publish({ topic: topics[i % 5] as string, data: from + i })),
        );
      for (let round = 0; round < 5; round++) await Promise.all([burst(a, round * 1000), burst(c, round * 1000 + 500)]);
      await waitFor(() => [...seen.values()].every((s) => s.length === 400), {
        what: "every event delivered on node a",
      });
      for (const [topic, seqs] of seen)
        assert.deepEqual(
          seqs,
          Array.from({ length: 400 }, (_, i) => i + 1),
          `${topic}: contiguous seq, once each`,
        );
    } finally {
      await a.close();
      await c.close();
    }
  });

  it("one pub/sub message carries a call's new events; a node delivers only those it does not have yet, once, in order", async (t) => {
    const { brokers } = await ownBrokers(t, 2);
    const [a, c] = brokers;
    const topic = `batch.${randomUUID().slice(0, 8)}`;
    const onA: Array<{ offset: number; frame: string }> = [];
    const onC: Array<{ offset: number; frame: string }> = [];
    a.onEvent((e, frame) => onA.push({ offset: e.offset, frame }));
    c.onEvent((e, frame) => onC.push({ offset: e.offset, frame }));
    const messages: string[] = [];
    a.sub.on("message", (channel: string, m: string) => {
      if (channel === a.eventsChannel) messages.push(m);
    });
    const burst = (n: number, from: number) =>
      Promise.all(Array.from({ length: n }, (_, i) => c.publish({ topic, data: from + i, id: randomUUID() })));
    const first = await burst(3, 0);
    await waitFor(() => onA.length === 3, { what: "the first call's events on node a" });
    assert.equal(messages.length, 1, "one message for the call");
    assert.deepEqual(
      onA.map((e) => e.offset),
      first.map((o) => o.event.offset),
    );
    // The same message again (a late copy): nothing is delivered twice.
    a.sub.emit("message", a.eventsChannel, messages[0]);
    // A message whose first event node a has and whose next two it lacks.
    await a.sub.unsubscribe(a.eventsChannel);
    await burst(2, 10);
    await waitFor(() => onC.length === 5, { what: "the second call's events on node c" });
    const [last, ...lacking] = onC.slice(2);
    const epoch = (await a.streamPosition()).epoch;
    const overlap = `${epoch} ${last?.offset}\n${[last, ...lacking].map((e) => e?.frame).join("\n")}`;
    a.sub.emit("message", a.eventsChannel, overlap);
    assert.deepEqual(
      onA.map((e) => e.offset),
      onC.map((e) => e.offset),
      "each event once, in order",
    );
    assert.deepEqual(
      onA.slice(3).map((e) => e.frame),
      lacking.map((e) => e.frame),
    );
  });

  it("refuses publishes still waiting for their call when the broker closes (never sent)", async () => {
    const b = redisBroker(prefix);
    await b.start();
    const topic = `batch.${randomUUID().slice(0, 8)}`;
    const pending = b.publish({ topic, data: "late" });
    await b.close();
    await assert.rejects(pending, { code: "unavailable" });
    const check = redisBroker(prefix);
    await check.start();
    try {
      assert.equal((await check.position(topic)).seq, 0, "the refused publish was never executed");
    } finally {
      await check.close();
    }
  });
});

/**
 * `count` started brokers under a key prefix of their own (`config`'s namespaces), closed and
 * their keys dropped when the test ends.
 */
async function ownBrokers<N extends 1 | 2>(
  t: TestContext,
  count: N,
  config: HeraldConfig = DEFAULTS,
  more: Partial<RedisBrokerOptions> = {},
) {
  const own = `herald-test-${randomUUID().slice(0, 8)}`;
  const brokers = Array.from({ length: count }, () => redisBroker(own, config, more));
  for (const b of brokers) await b.start();
  t.after(async () => {
    for (const b of brokers) await b.close();
    await dropPrefix(own);
  });
  return { own, brokers: brokers as N extends 1 ? [RedisBroker] : [RedisBroker, RedisBroker] };
}

/** A plain client for the test's own commands (CLIENT KILL), closed when the test ends. */
function adminClient(t: TestContext): Redis {
  const admin = new Redis(REDIS_URL);
  t.after(() => admin.disconnect());
  return admin;
}

describe("Redis broker: the publish script", () => {
  it("records an id only when the publisher gave one (no record per event otherwise)", async (t) => {
    const {
      own,
      brokers: [b],
    } = await ownBrokers(t, 1);
    const records = async () => {
      const keys = (await b.redis.scan("0", "MATCH", `${own}:ids:*`, "COUNT", 1000))[1];
      const fields = await Promise.all(keys.map((k) => b.redis.hkeys(k)));
      return fields.flat();
    };
    await Promise.all(Array.from({ length: 5 }, (_, i) => b.publish({ topic: "ids.x", data: i })));
    assert.deepEqual(await records(), []);
    await b.publish({ topic: "ids.x", data: "given", id: "given-1" });
    assert.deepEqual(await records(), ["given-1"]);
  });

  it("records an id's position, not its event; a retry gets the original from history, or its position once history dropped it", async (t) => {
    const config = resolveConfig({ namespaces: [{ prefix: "short", history: { size: 2, ttlSeconds: 0 } }] });
    const {
      own,
      brokers: [b],
    } = await ownBrokers(t, 1, config);
    const payload = `payload-${randomUUID()}`;
    const original = (await b.publish({ topic: "short.x", data: payload, id: "kept" })).event;
    const [bucket] = (await b.redis.scan("0", "MATCH", `${own}:ids:*`, "COUNT", 1000))[1];
    const record = await b.redis.hget(bucket as string, "kept");
    assert.ok(record !== null && !record.includes(payload), `the record holds no event content: ${record}`);
    // Still in history: the answer is the original, whatever the retry carries.
    const early = await b.publish({ topic: "short.x", data: "changed", id: "kept" });
    assert.equal(early.duplicate, true);
    assert.deepEqual(early.event, original);
    // Two more events push it out of the topic's history (size 2).
    await b.publish({ topic: "short.x", data: 2 });
    await b.publish({ topic: "short.x", data: 3 });
    const late = await b.publish({ topic: "short.x", data: payload, id: "kept" });
    assert.equal(late.duplicate, true);
    assert.deepEqual(late.event, original, "the original's position, the retry's content (the same)");
    assert.equal((await b.position("short.x")).seq, 3, "nothing published again");
    // The id on another topic is still a conflict.
    await assert.rejects(b.publish({ topic: "other.x", data: payload, id: "kept" }), { code: "conflict" });
  });

  it("answers a retry whose record was written by an earlier version (the frame itself) with that frame", async (t) => {
    const {
      own,
      brokers: [b],
    } = await ownBrokers(t, 1);
    const first = await b.publish({ topic: "ids.old", data: "warm-up", id: "now" });
    const [bucket] = (await b.redis.scan("0", "MATCH", `${own}:ids:*`, "COUNT", 1000))[1];
    const frame = `{"type":"event","topic":"ids.old","event":"message","id":"legacy","seq":1,"epoch":"${first.event.epoch}","offset":${first.event.offset},"timestamp":${first.event.timestamp},"data":"before"}`;
    await b.redis.hset(bucket as string, "legacy", `${Date.now()}\nids.old\n${frame}`);
    const retry = await b.publish({ topic: "ids.old", data: "before", id: "legacy" });
    assert.equal(retry.duplicate, true);
    assert.equal(retry.event.seq, 1);
    assert.equal(retry.event.data, "before");
  });

  it("keeps idempotency records of the current and the previous interval only (older ones are unlinked)", async (t) => {
    const {
      own,
      brokers: [b],
    } = await ownBrokers(t, 1, resolveConfig({ idempotency: { size: 100, ttlSeconds: 1 } }));
    const buckets = async () => (await b.redis.scan("0", "MATCH", `${own}:ids:*`, "COUNT", 1000))[1].sort();
    await b.publish({ topic: "ids.x", data: 1, id: "a" });
    const [first] = await buckets();
    assert.ok(first !== undefined);
    await new Promise((r) => setTimeout(r, 2100));
    await b.publish({ topic: "ids.x", data: 2, id: "b" });
    const now = await buckets();
    assert.equal(now.length, 1, `only the current interval is left: ${now.join(", ")}`);
    assert.notEqual(now[0], first);
    assert.deepEqual(await b.redis.hkeys(now[0] as string), ["b"]);
  });

  it("reopens a connection ioredis gave up on (status end) and goes on publishing", async (t) => {
    const {
      brokers: [b],
    } = await ownBrokers(t, 1);
    await b.publish({ topic: "end.x", data: 1 });
    const ended = once(b.redis, "end");
    b.redis.disconnect(false);
    await ended;
    await waitFor(() => b.redis.status === "ready", { what: "the command connection reopened" });
    await waitFor(async () => (await b.publish({ topic: "end.x", data: 2 })).event.seq === 2, {
      what: "a publish after the reopen",
    });
  });

  it("never reuses an offset the stream log already holds (a call that failed half-way did not write its offset back)", async (t) => {
    const {
      own,
      brokers: [b],
    } = await ownBrokers(t, 1);
    const first = await b.publish({ topic: "log.x", data: 1 });
    // What a call that appended to the log and then failed leaves: the log ahead of the meta.
    await b.redis.xadd(`${own}:log`, `${first.event.offset + 40}-0`, "t", Date.now(), "p", "log.x", "f", "{}");
    const next = await b.publish({ topic: "log.x", data: 2 });
    assert.equal(next.event.offset, first.event.offset + 41);
    assert.equal(next.event.seq, 2);
  });
});

/** A small deterministic generator (mulberry32), so a failing sequence can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a publish came to, in the terms both engines share (epochs and offsets are each engine's own). */
function settled(r: PromiseSettledResult<PublishOutcome>): string {
  if (r.status === "rejected") return `refused ${(r.reason as HeraldError).code}`;
  const e = r.value.event;
  return `${r.value.duplicate ? "duplicate" : "new"} ${e.topic}#${e.seq} ${JSON.stringify(e.data)}`;
}

describe("Redis broker: the publish script against the memory broker", () => {
  it("answers random calls of publishes as the memory broker does: ids repeated within and across calls, on the same and on other topics", async (t) => {
    const {
      brokers: [redis],
    } = await ownBrokers(t, 1);
    const memory = new MemoryBroker({
      namespaces: new Namespaces(DEFAULTS.namespaces),
      recovery: DEFAULTS.recovery,
      idempotency: DEFAULTS.idempotency,
    });
    await memory.start();
    t.after(() => memory.close());
    const random = prng(20261205);
    const topics = ["m.a", "m.b", "m.c", "m.d"];
    const given: PublishRequest[] = [];
    for (let call = 0; call < 40; call++) {
      const batch: PublishRequest[] = [];
      /** The publishes with a new id in this call. */
      const own: PublishRequest[] = [];
      for (let i = 0, n = 1 + Math.floor(random() * 20); i < n; i++) {
        const roll = random();
        const topic = topics[Math.floor(random() * topics.length)] as string;
        if (roll < 0.3) batch.push({ topic, data: { call, i } });
        else if (roll < 0.7 || given.length === 0) {
          const request = { topic, data: { call, i }, id: `id-${call}-${i}` };
          given.push(request);
          own.push(request);
          batch.push(request);
        } else {
          // A retry of an earlier publish (half the time one of this same call), or its id on another topic.
          const pool = own.length > 0 && random() < 0.5 ? own : given;
          const earlier = pool[Math.floor(random() * pool.length)] as PublishRequest;
          const other = topics.find((x) => x !== earlier.topic) as string;
          batch.push(random() < 0.8 ? { ...earlier } : { ...earlier, topic: other });
        }
      }
      // One call to Redis (all in one turn); the memory broker takes them in the same order.
      const fromRedis = await Promise.allSettled(batch.map((r) => redis.publish(r)));
      const fromMemory = await Promise.allSettled(batch.map((r) => memory.publish(r)));
      assert.deepEqual(fromRedis.map(settled), fromMemory.map(settled), `call ${call}`);
    }
  });
});

describe("Redis broker: engine.ackReplicas (a Redis without replicas)", () => {
  it("answers unconfirmed, with the position, for an event no replica confirmed; it was published; a retry answers the same event", async (t) => {
    const {
      brokers: [b],
    } = await ownBrokers(t, 1, DEFAULTS, { ackReplicas: 1, ackReplicasTimeoutMs: 100 });
    const seen: number[] = [];
    b.onEvent((e) => seen.push(e.seq));
    const refusal = await b.publish({ topic: "ack.x", data: 1, id: "ack-1" }).then(
      () => assert.fail("acknowledged without a replica"),
      (err: HeraldError) => err,
    );
    assert.equal(refusal.code, "unconfirmed");
    assert.deepEqual(refusal.details, {
      eventId: "ack-1",
      topic: "ack.x",
      seq: 1,
      epoch: (await b.position("ack.x")).epoch,
      offset: (refusal.details as { offset: number }).offset,
    });
    assert.equal((await b.position("ack.x")).seq, 1, "the event was published");
    await waitFor(() => seen.length === 1, { what: "the event delivered" });
    const retry = await b.publish({ topic: "ack.x", data: 1, id: "ack-1" }).then(
      () => assert.fail("acknowledged without a replica"),
      (err: HeraldError) => err,
    );
    assert.equal(retry.code, "unconfirmed");
    assert.equal((retry.details as { seq: number }).seq, 1, "the same event, not a second one");
    assert.equal((await b.position("ack.x")).seq, 1);
  });
});

/**
 * What a replica promoted before it got the last writes looks like (or a restart from an older
 * snapshot): the stream and the topic are back at `keep`, the entries after it gone.
 */
async function rollBack(b: RedisBroker, own: string, topic: string, keep: { offset: number; seq: number }) {
  const r = b.redis;
  await r.hset(`${own}:s`, "offset", keep.offset);
  for (const [id] of await r.xrange(`${own}:log`, `${keep.offset + 1}-0`, "+")) await r.xdel(`${own}:log`, id);
  await r.xsetid(`${own}:log`, `${keep.offset}-0`);
  await r.hset(`${own}:t:${topic}`, "seq", keep.seq);
  for (const [id] of await r.xrange(`${own}:h:${topic}`, `${keep.seq + 1}-0`, "+"))
    await r.xdel(`${own}:h:${topic}`, id);
  await r.xsetid(`${own}:h:${topic}`, `${keep.seq}-0`);
}

describe("Redis broker: fencing a stream that went back (lost acknowledged writes)", () => {
  it("a publish after the loss gets a new stream epoch and topic epoch: recovery from before says recovered:false", async (t) => {
    const {
      own,
      brokers: [a, b],
    } = await ownBrokers(t, 2);
    let resets = 0;
    a.onReset(() => resets++);
    const seenByA: number[] = [];
    a.onEvent((e) => seenByA.push(e.seq));
    const acked = [];
    for (let i = 1; i <= 10; i++) acked.push((await b.publish({ topic: "f.x", data: i, id: `fx${i}` })).event);
    await waitFor(() => seenByA.length === 10, { what: "A received the ten events" });
    const before = acked[9] as (typeof acked)[number];
    const stream = await a.streamPosition();
    await rollBack(b, own, "f.x", { offset: 5, seq: 5 });
    const after = (await b.publish({ topic: "f.x", data: "after" })).event;
    assert.notEqual(
      after.epoch,
      before.epoch,
      "the topic's epoch changed: seq 6 now is not the seq 6 acknowledged before",
    );
    assert.notEqual((await b.streamPosition()).epoch, stream.epoch);
    const recovery = await b.recoverTopic("f.x", { epoch: before.epoch, seq: before.seq }, 50);
    assert.equal(recovery.recovered, false);
    assert.equal((await b.recoverPattern("f.>", stream, 50)).recovered, false);
    await waitFor(() => resets === 1, { what: "A told its connections the stream was reset" });
    // A goes on from where the new epoch began: the old epoch's entries still in the log are
    // not delivered again, the event after the loss is, once.
    await waitFor(() => seenByA.length === 11, { what: "A received the event after the loss" });
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(seenByA, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, after.seq]);
    // Fenced once: later publishes go on in the new epoch, even after a retry answered with an
    // event of the old epoch (its record outlived the loss here), whose offset is past the new one's.
    const retried = await b.publish({ topic: "f.x", data: 10, id: "fx10" });
    assert.equal(retried.duplicate, true);
    assert.ok(retried.event.offset > after.offset);
    const next = (await b.publish({ topic: "f.x", data: "next" })).event;
    assert.equal(next.epoch, after.epoch);
    assert.equal(next.seq, after.seq + 1);
    assert.equal(await b.redis.hget(`${own}:s`, "gen"), "1");
  });

  it("a node catching up after a reconnect fences the stream before anything more is sequenced", async (t) => {
    const {
      own,
      brokers: [a],
    } = await ownBrokers(t, 1);
    const admin = adminClient(t);
    let resets = 0;
    a.onReset(() => resets++);
    const seen: number[] = [];
    a.onEvent((e) => seen.push(e.offset));
    for (let i = 1; i <= 10; i++) await a.publish({ topic: "f.y", data: i });
    await waitFor(() => seen.length === 10, { what: "the ten events delivered" });
    const stream = await a.streamPosition();
    await rollBack(a, own, "f.y", { offset: 4, seq: 4 });
    const subId = String(await a.sub.client("ID"));
    await admin.client("KILL", "ID", subId);
    await waitFor(() => resets === 1, { what: "the catch-up fenced the stream and reset" });
    assert.notEqual((await a.streamPosition()).epoch, stream.epoch, "fenced by the catch-up, with no publish");
    assert.equal((await a.redis.hget(`${own}:s`, "gen")) ?? "", "1");
  });

  it("a stream that did not go back is never fenced (reconnects, restarts of nodes)", async (t) => {
    const {
      own,
      brokers: [a],
    } = await ownBrokers(t, 1);
    const admin = adminClient(t);
    const first = (await a.publish({ topic: "f.z", data: 1 })).event;
    await admin.client("KILL", "ID", String(await a.sub.client("ID")));
    await new Promise((r) => setTimeout(r, 300));
    const second = (await a.publish({ topic: "f.z", data: 2 })).event;
    assert.equal(second.epoch, first.epoch);
    assert.equal(await a.redis.hget(`${own}:s`, "gen"), null);
  });
});

describe("Redis broker: retention by age", () => {
  it("drops events older than the history and stream TTLs, and says so", async () => {
    const config = resolveConfig({
      namespaces: [{ prefix: "short", history: { size: 100, ttlSeconds: 1 } }],
      recovery: { maxEvents: 50, streamSize: 1000, streamTtlSeconds: 1 },
    });
    const b = redisBroker(prefix, config);
    await b.start();
    try {
      const topic = `short.${randomUUID().slice(0, 8)}`;
      const start = await b.position(topic);
      const stream = await b.streamPosition();
      for (let i = 1; i <= 3; i++) await b.publish({ topic, data: i });
      await new Promise((r) => setTimeout(r, 1100));
      await b.publish({ topic, data: 4 });
      const page = await b.history(topic, { limit: 10 });
      assert.deepEqual(
        page.events.map((e) => e.data),
        [4],
      );
      assert.equal(page.truncated, true);
      assert.equal((await b.recoverTopic(topic, { epoch: start.epoch, seq: 0 }, 50)).recovered, false);
      const recent = await b.recoverTopic(topic, { epoch: start.epoch, seq: 3 }, 50);
      assert.deepEqual(
        recent.events.map((e) => e.data),
        [4],
      );
      assert.equal((await b.recoverPattern("short.>", stream, 50)).recovered, false);
    } finally {
      await b.close();
    }
  });
});
