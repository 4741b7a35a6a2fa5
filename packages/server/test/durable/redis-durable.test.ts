/**
 * Durable namespaces on the Redis engine (issue 20 point 4): the store keeps their history as on
 * the memory engine. Real parts: Redis (a private `redis-server`, killed with SIGKILL, or the
 * shared one under a prefix of its own) and Postgres (the shared server under a schema of its
 * own, or a private cluster that is stopped and started).
 *
 * - An acknowledged durable publish is in the store; two nodes publishing at once keep one
 *   order, and the store holds it.
 * - Redis killed and restarted empty: a node serves the topic's history from the store, and the
 *   seq goes on from the store's (under a new epoch: a client resuming from before is told
 *   `recovered: false`), and a retry of an event from before is still a duplicate.
 * - The store stopped: the publish in flight is answered `unconfirmed` and stays queued; the
 *   next ones are refused `unavailable` and never delivered; once the store is back the queue
 *   is committed and durable publishes go on with the next seq.
 * - Redis killed mid-stream, and stalled (SIGSTOP): every acknowledged durable publish is in the
 *   store, once; none is acknowledged that is not kept.
 * - A state topic after Redis lost everything starts its document over (its checkpoint was in
 *   Redis): never a partial document built from the newest events alone.
 * - The committer gone (its lease expires): another node takes the lease and commits the queue,
 *   skipping what the store already holds.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, it } from "node:test";
import { Redis } from "ioredis";
import pg from "pg";
import type { HeraldConfigInput } from "../../src/config.js";
import { PrivatePostgres } from "../faults/private-postgres.js";
import { type Frame, getJson, postJson, type Running, startGateway, TestClient } from "../helpers.js";
import { dropSchema, PG_URL } from "../integration/pg.js";
import { dropPrefix, REDIS_URL } from "../integration/redis-helpers.js";
import { PrivateRedis } from "../private-redis.js";
import { waitFor } from "../wait-for.js";

const KEY = "redis-durable-test-key-0123456789";
const auth = { authorization: `Bearer ${KEY}` };

function config(redisUrl: string, prefix: string, store: HeraldConfigInput["store"]): HeraldConfigInput {
  return {
    auth: { apiKeys: [KEY] },
    engine: { type: "redis", redisUrl, keyPrefix: prefix, durableAckTimeoutMs: 2000 },
    store: { timeoutMs: 1500, retryMaxMs: 200, ...store },
    namespaces: [{ prefix: "chain", durable: true, history: { size: 50, ttlSeconds: 0 } }],
  };
}

const publish = (g: Running, topic: string, data: unknown, id?: string) =>
  postJson(`${g.url}/api/publish`, { topic, data, ...(id !== undefined && { id }) }, auth);

/** The events the store holds for `topic`, by seq. */
async function stored(url: string, schema: string, topic: string): Promise<Array<{ seq: number; data: unknown }>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT seq, data FROM ${schema}.herald_events WHERE topic = $1 ORDER BY seq`, [
      topic,
    ]);
    return rows.map((r) => ({ seq: Number(r.seq), data: JSON.parse(r.data) }));
  } finally {
    await c.end();
  }
}

const schemas: string[] = [];
after(async () => {
  for (const s of schemas) await dropSchema(s);
});

/** A private Redis and two gateways on it sharing one Postgres schema (dropped after the file). */
async function twoNodes(prefix: string, storeExtra: HeraldConfigInput["store"] = {}, historySize?: number) {
  const redis = await PrivateRedis.start();
  const schema = `h_${randomUUID().slice(0, 8)}`;
  schemas.push(schema);
  const store = { type: "postgres" as const, url: PG_URL, schema, ...storeExtra };
  const node = () => {
    const c = config(redis.url, prefix, store);
    if (historySize === undefined) return c;
    return { ...c, namespaces: [{ prefix: "chain", durable: true, history: { size: historySize, ttlSeconds: 0 } }] };
  };
  const a = await startGateway(node());
  const b = await startGateway(node());
  return { redis, schema, a, b };
}

describe("durable namespaces on the Redis engine", () => {
  it("acknowledged means in the store; two nodes keep one order; Redis killed and restarted empty: history from the store, the seq goes on", async () => {
    const { redis, schema, a, b } = await twoNodes("rd");
    try {
      const watcher = await TestClient.connect(a.wsUrl);
      const sub = await watcher.request({ type: "subscribe", topic: "chain.blocks" });
      assert.equal(sub.type, "ack");
      // 20 publishes, half on each node, all in flight at once.
      const acks = await Promise.all(
        Array.from({ length: 20 }, (_, i) => publish(i % 2 === 0 ? a : b, "chain.blocks", { height: i })),
      );
      for (const r of acks) assert.equal(r.status, 200, JSON.stringify(r.body));
      const inStore = await stored(PG_URL, schema, "chain.blocks");
      assert.deepEqual(
        inStore.map((e) => e.seq),
        Array.from({ length: 20 }, (_, i) => i + 1),
        "every acknowledged event is in the store, one order",
      );
      const delivered: Frame[] = [];
      for (let i = 0; i < 20; i++) delivered.push(await watcher.next("event"));
      assert.deepEqual(
        delivered.map((f) => f.data),
        inStore.map((e) => e.data),
        "delivered in the order the store holds",
      );
      watcher.close();
      // A durable topic's keys never expire; a live topic's do.
      assert.equal((await publish(a, "live.x", 1)).status, 200);
      const admin = redis.client();
      try {
        assert.equal(await admin.pttl("rd:t:chain.blocks"), -1);
        assert.equal(await admin.pttl("rd:h:chain.blocks"), -1);
        assert.ok((await admin.pttl("rd:t:live.x")) > 0);
      } finally {
        admin.disconnect();
      }
      // One more, with an id: it must still be recognised after Redis lost everything.
      const tip = await publish(a, "chain.blocks", { height: 20 }, "tip");
      assert.equal(tip.status, 200);
      assert.equal(tip.body.seq, 21);
      const before = { epoch: tip.body.epoch as string, seq: 21 };

      // Redis loses everything.
      await redis.down();
      await redis.up();
      await waitFor(async () => (await fetch(`${b.url}/readyz`)).status === 200, {
        what: "node b ready on the empty Redis",
        timeout: 15_000,
      });
      const history = await getJson(`${b.url}/api/topics/chain.blocks/history?limit=100`, auth);
      assert.equal(history.status, 200, JSON.stringify(history.body));
      const events = history.body.events as Array<{ seq: number; data: unknown; epoch: string }>;
      assert.deepEqual(
        events.map((e) => e.data),
        [...inStore.map((e) => e.data), { height: 20 }],
        "the history comes back from the store",
      );
      assert.notEqual(history.body.epoch, before.epoch, "a new epoch: Redis cannot vouch for what it delivered");
      assert.ok(events.every((e) => e.epoch === history.body.epoch));
      const retry = await publish(a, "chain.blocks", { height: 20 }, "tip");
      assert.equal(retry.status, 200, JSON.stringify(retry.body));
      assert.equal(retry.body.duplicate, true, "the id is remembered across the loss");
      assert.equal(retry.body.seq, 21);
      const next = await publish(a, "chain.blocks", { height: 21 });
      assert.equal(next.status, 200, JSON.stringify(next.body));
      assert.equal(next.body.seq, 22, "the seq goes on from the store's");
      assert.equal((await stored(PG_URL, schema, "chain.blocks")).length, 22);
      // A client resuming from before the loss is told so.
      const resumed = await TestClient.connect(b.wsUrl);
      const ack = await resumed.request({
        type: "subscribe",
        topic: "chain.blocks",
        since: { epoch: before.epoch, seq: before.seq },
      });
      assert.equal(ack.recovered, false);
      resumed.close();
    } finally {
      await a.close();
      await b.close();
      await redis.down();
    }
  });

  it("the store stopped: the publish in flight is unconfirmed and kept, the next are refused and never delivered; then it goes on", async () => {
    const db = new PrivatePostgres();
    await db.create();
    const prefix = `herald-test-rd-${randomUUID().slice(0, 8)}`;
    const schema = `h_${randomUUID().slice(0, 8)}`;
    const g = await startGateway(config(REDIS_URL, prefix, { type: "postgres", url: db.url, schema }));
    // A second node, started after the first took the committer lease: it learns of the outage
    // only through Redis (`dstop`), never having failed a store call itself.
    const h = await startGateway(config(REDIS_URL, prefix, { type: "postgres", url: db.url, schema }));
    try {
      const watcher = await TestClient.connect(g.wsUrl);
      assert.equal((await watcher.request({ type: "subscribe", topic: "chain.tx" })).type, "ack");
      assert.equal((await publish(g, "chain.tx", 1)).status, 200);
      assert.equal((await watcher.next("event")).data, 1);

      await db.stop();
      const inFlight = await publish(g, "chain.tx", 2, "in-flight");
      assert.equal(inFlight.status, 504, JSON.stringify(inFlight.body));
      assert.equal(inFlight.body.code, "unconfirmed");
      assert.equal((await watcher.next("event")).data, 2, "it was delivered");
      const refused = await publish(g, "chain.tx", 3);
      assert.equal(refused.status, 503, JSON.stringify(refused.body));
      assert.equal(refused.body.code, "unavailable");
      const elsewhere = await publish(h, "chain.tx", 3);
      assert.equal(elsewhere.status, 503, JSON.stringify(elsewhere.body));
      assert.match(elsewhere.body.error as string, /durable publishes are stopped/, "refused by dstop");
      const live = await publish(g, "other.tx", "live");
      assert.equal(live.status, 200, "a namespace that is not durable goes on");

      await db.start();
      // With an id: an attempt answered unconfirmed and retried is still one event.
      await waitFor(async () => (await publish(g, "chain.tx", 4, "four")).status === 200, {
        what: "durable publishes accepted again",
        timeout: 20_000,
      });
      const next = await watcher.next("event");
      assert.equal(next.data, 4, "the refused publish was never delivered");
      assert.equal(next.seq, 3);
      assert.deepEqual(
        (await stored(db.url, schema, "chain.tx")).map((e) => e.data),
        [1, 2, 4],
        "the unconfirmed one was committed once the store was back; the refused one never existed",
      );
      const retry = await publish(g, "chain.tx", 2, "in-flight");
      assert.equal(retry.status, 200);
      assert.equal(retry.body.duplicate, true);
      assert.equal(retry.body.seq, 2);
      watcher.close();
    } finally {
      await h.close();
      await g.close();
      await dropPrefix(prefix);
      await db.destroy();
    }
  });

  it("Redis killed mid-stream: every acknowledged durable publish is in the store, once", async () => {
    const { redis, schema, a, b } = await twoNodes("rk");
    const acked = new Map<string, number>();
    const answered = new Map<number, number>();
    let stop = false;
    const lane = async (g: Running, lane: number) => {
      for (let i = 0; !stop; i++) {
        const id = `l${lane}-${i}`;
        const r = await publish(g, `chain.k${lane % 3}`, { lane, i }, id).catch(() => undefined);
        const status = r?.status ?? 0;
        answered.set(status, (answered.get(status) ?? 0) + 1);
        if (status === 200) acked.set(id, r?.body.seq as number);
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    try {
      const lanes = Array.from({ length: 6 }, (_, l) => lane(l % 2 === 0 ? a : b, l));
      await waitFor(() => acked.size >= 60, { what: "publishes acknowledged before the kill" });
      await redis.down();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await redis.up();
      const afterRestart = acked.size;
      await waitFor(() => acked.size >= afterRestart + 60, {
        what: "publishes acknowledged after the restart",
        timeout: 20_000,
      });
      stop = true;
      await Promise.all(lanes);
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      let rows: Array<{ id: string; topic: string; seq: string }>;
      try {
        rows = (await c.query(`SELECT id, topic, seq FROM ${schema}.herald_events`)).rows;
      } finally {
        await c.end();
      }
      const inStore = new Set(rows.map((r) => r.id));
      const missing = [...acked.keys()].filter((id) => !inStore.has(id));
      assert.deepEqual(missing, [], `acknowledged but not in the store (answers: ${JSON.stringify([...answered])})`);
      assert.equal(inStore.size, rows.length, "no event stored twice");
      assert.ok(
        (answered.get(200) ?? 0) > 0 && answered.size > 1,
        `some publishes were refused: ${JSON.stringify([...answered])}`,
      );
    } finally {
      stop = true;
      await a.close();
      await b.close();
      await redis.down();
    }
  });

  it("Redis stalled (SIGSTOP): durable publishes are refused or unconfirmed, never acknowledged unkept; after SIGCONT the store has every acknowledged one", async () => {
    const { redis, schema, a, b } = await twoNodes("rs");
    try {
      assert.equal((await publish(a, "chain.s", "before", "s-0")).status, 200);
      redis.stall();
      const during = await Promise.all([
        publish(a, "chain.s", "during-a", "s-a"),
        publish(b, "chain.s", "during-b", "s-b"),
      ]);
      for (const r of during) {
        assert.ok(
          r.status === 503 || r.status === 504,
          `refused or unconfirmed while stalled: ${r.status} ${JSON.stringify(r.body)}`,
        );
      }
      redis.resume();
      await waitFor(async () => (await publish(a, "chain.s", "after", "s-1")).status === 200, {
        what: "durable publishes acknowledged after SIGCONT",
        timeout: 20_000,
      });
      // Retried with their ids, the publishes made during the stall are each answered once.
      for (const [g, id, data] of [
        [a, "s-a", "during-a"],
        [b, "s-b", "during-b"],
      ] as const) {
        await waitFor(async () => (await publish(g, "chain.s", data, id)).status === 200, { what: `retry of ${id}` });
      }
      const inStore = (await stored(PG_URL, schema, "chain.s")).map((e) => e.data);
      assert.deepEqual([...inStore].sort(), ["after", "before", "during-a", "during-b"], "each once");
      assert.deepEqual(
        (await stored(PG_URL, schema, "chain.s")).map((e) => e.seq),
        [1, 2, 3, 4],
      );
    } finally {
      redis.resume();
      await a.close();
      await b.close();
      await redis.down();
    }
  });

  it("a state topic after Redis lost everything starts its document over, never a partial one from the newest events", async () => {
    const redis = await PrivateRedis.start();
    const schema = `h_${randomUUID().slice(0, 8)}`;
    schemas.push(schema);
    const stateConfig: HeraldConfigInput = {
      ...config(redis.url, "rs", { type: "postgres", url: PG_URL, schema }),
      namespaces: [{ prefix: "board", durable: true, state: true, history: { size: 5, ttlSeconds: 0 } }],
    };
    const a = await startGateway(stateConfig);
    let c: Running | undefined;
    try {
      for (let i = 1; i <= 10; i++) assert.equal((await publish(a, "board.1", { [`k${i}`]: i })).status, 200);
      assert.equal((await stored(PG_URL, schema, "board.1")).length, 10);
      await redis.down();
      await redis.up();
      // A node that never saw the topic builds its document from what Redis has now.
      c = await startGateway(stateConfig);
      const snapshot = await getJson(`${c.url}/api/topics/board.1/state`, auth);
      assert.equal(snapshot.status, 200, JSON.stringify(snapshot.body));
      assert.deepEqual(snapshot.body.state, {}, "not the merge of the newest five patches");
      const next = await publish(c, "board.1", { k11: 11 });
      assert.equal(next.status, 200, JSON.stringify(next.body));
      assert.equal(next.body.seq, 11, "the seq goes on from the store's");
      await waitFor(
        async () =>
          JSON.stringify((await getJson(`${c?.url}/api/topics/board.1/state`, auth)).body.state) === '{"k11":11}',
        { what: "the document holds the patch published after the loss" },
      );
    } finally {
      await a.close();
      await c?.close();
      await redis.down();
    }
  });

  it("refuses durable publishes beyond engine.durablePendingMax waiting for the store, before anything happens", async () => {
    const prefix = `herald-test-rd-${randomUUID().slice(0, 8)}`;
    const schema = `h_${randomUUID().slice(0, 8)}`;
    schemas.push(schema);
    const admin = new Redis(REDIS_URL);
    // A committer that will not commit for 1.5 s: the queue fills.
    await admin.set(`${prefix}:durable:committer`, "gone", "PX", 1500);
    const base = config(REDIS_URL, prefix, { type: "postgres", url: PG_URL, schema });
    const a = await startGateway({ ...base, engine: { type: "redis", keyPrefix: prefix, durablePendingMax: 2 } });
    try {
      const answers = await Promise.all([1, 2, 3].map((i) => publish(a, "chain.p", i)));
      const refused = answers.filter((r) => r.status === 503);
      assert.equal(refused.length, 1, JSON.stringify(answers.map((r) => r.body)));
      assert.equal(answers.filter((r) => r.status === 200).length, 2);
      assert.match(refused[0]?.body.error as string, /engine\.durablePendingMax/);
      const kept = answers.flatMap((r, i) => (r.status === 200 ? [i + 1] : []));
      assert.deepEqual(
        (await stored(PG_URL, schema, "chain.p")).map((e) => e.data).sort(),
        kept,
        "the refused one never existed",
      );
    } finally {
      await a.close();
      admin.disconnect();
      await dropPrefix(prefix);
    }
  });

  it("enforces the namespace's retention in the store, and a closing committer hands over without stopping anyone", async () => {
    const { redis, schema, a, b } = await twoNodes("rr");
    const admin = redis.client();
    try {
      const lease = await admin.get("rr:durable:committer");
      const [committer, other] = lease === a.gateway.core.engine.cluster.nodeId ? [a, b] : [b, a];
      for (let i = 1; i <= 6; i++) assert.equal((await publish(other, "chain.r", i)).status, 200);
      await committer.close();
      for (let i = 7; i <= 12; i++) {
        const r = await publish(other, "chain.r", i);
        assert.equal(r.status, 200, `acknowledged across the hand-over: ${JSON.stringify(r.body)}`);
      }
      assert.equal(await admin.hget("rr:s", "dstop"), null, "a graceful close never stops durable publishes");
      // history.size 50 keeps everything; the sweep trims to it (here: nothing), then a smaller namespace.
      assert.equal((await stored(PG_URL, schema, "chain.r")).length, 12);
    } finally {
      admin.disconnect();
      await a.close();
      await b.close();
      await redis.down();
    }
    const small = await twoNodes("rt", { retentionSweepMs: 100 }, 3);
    try {
      for (let i = 1; i <= 6; i++) assert.equal((await publish(small.a, "chain.t", i)).status, 200);
      await waitFor(async () => (await stored(PG_URL, small.schema, "chain.t")).length === 3, {
        what: "the store trimmed to history.size",
      });
      assert.deepEqual(
        (await stored(PG_URL, small.schema, "chain.t")).map((e) => e.seq),
        [4, 5, 6],
      );
    } finally {
      await small.a.close();
      await small.b.close();
      await small.redis.down();
    }
  });

  it("the committer gone: another node takes its lease and commits the queue, skipping what the store already holds", async () => {
    const prefix = `herald-test-rd-${randomUUID().slice(0, 8)}`;
    const schema = `h_${randomUUID().slice(0, 8)}`;
    schemas.push(schema);
    const store = { type: "postgres" as const, url: PG_URL, schema };
    const admin = new Redis(REDIS_URL);
    // A committer that will never commit: its lease runs out in 1.5 s.
    await admin.set(`${prefix}:durable:committer`, "gone", "PX", 1500);
    const a = await startGateway({ ...config(REDIS_URL, prefix, store), engine: { type: "redis", keyPrefix: prefix } });
    try {
      const published = Array.from({ length: 5 }, (_, i) => publish(a, "chain.q", i + 1));
      await waitFor(async () => (await admin.xlen(`${prefix}:dq`)) === 5, { what: "five events queued" });
      // The gone committer had written the first two to the store before it went.
      const rows = await admin.xrange(`${prefix}:dq`, "-", "+", "COUNT", 2);
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        for (const [, fields] of rows) {
          const e = JSON.parse(fields[5] as string);
          await c.query(
            `INSERT INTO ${schema}.herald_events (topic, seq, stream_offset, id, epoch, event, ts, data) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
            [e.topic, e.seq, e.offset, e.id, e.epoch, e.event, e.timestamp, JSON.stringify(e.data)],
          );
          await c.query(
            `INSERT INTO ${schema}.herald_topics (topic, epoch, seq) VALUES ($1,$2,$3)
             ON CONFLICT (topic) DO UPDATE SET seq = EXCLUDED.seq`,
            [e.topic, e.epoch, e.seq],
          );
        }
      } finally {
        await c.end();
      }
      const answers = await Promise.all(published);
      for (const r of answers) assert.equal(r.status, 200, JSON.stringify(r.body));
      const inStore = await stored(PG_URL, schema, "chain.q");
      assert.deepEqual(
        inStore.map((e) => e.seq),
        [1, 2, 3, 4, 5],
        "each once, in order",
      );
      answers.forEach((r, i) => {
        assert.equal(inStore[(r.body.seq as number) - 1]?.data, i + 1, "each under the seq it was acknowledged with");
      });
      assert.equal(await admin.xlen(`${prefix}:dq`), 0);
      assert.equal((await fetch(`${a.url}/readyz`)).status, 200, "the store was never marked down");
    } finally {
      await a.close();
      admin.disconnect();
      await dropPrefix(prefix);
    }
  });
});
