/**
 * The Redis engine behind Redis Sentinel, failing over for real: a private master, its replica
 * and a Sentinel (quorum 1), two engine nodes connected through the Sentinel, the master killed
 * (SIGKILL) mid-stream and the replica promoted.
 *
 * - Every acknowledged write replicated before the kill: the nodes follow the failover and go
 *   on in the same epochs; history and recovery are exact across it.
 * - Acknowledged writes the replica never got (it was stalled, SIGSTOP, while they were made):
 *   the stream is fenced (`fence` in engine/redis-scripts.ts) before anything more is
 *   sequenced, so the topic gets a new epoch and a client resuming from before learns
 *   `recovered: false`; no seq is handed out twice under one epoch (never a silent gap).
 *   (SIGSTOP alone does not lose them: the replica's kernel still buffers the replication
 *   stream and applies it on SIGCONT; the test also closes the replication link.)
 *   A node with `engine.ackReplicas: 1` answered `unconfirmed` for what it published meanwhile,
 *   and what it acknowledged survived.
 * - A master demoted without its clients being cut answers writes with READONLY: the node
 *   reconnects (through the Sentinels, it finds the new master).
 * - A master that stalls (SIGSTOP) instead of dying: the Sentinel promotes the replica and the
 *   nodes move to it (the Sentinel's switch notice), without waiting for the old one.
 * - A gateway configured with `engine.sentinels`: /readyz says 503 while its master is gone and
 *   200 on the promoted replica; a WebSocket client subscribed before the failover resumes
 *   exactly across it.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { HeraldEvent } from "@herald/protocol";
import { HeraldError } from "@herald/protocol";
import { resolveConfig } from "../../src/config.js";
import { RedisBroker, type RedisBrokerOptions } from "../../src/engine/broker-redis.js";
import { Namespaces } from "../../src/hub/namespaces.js";
import { getJson, postJson, startGateway, TestClient } from "../helpers.js";
import { PrivateRedis } from "../private-redis.js";
import { PrivateSentinel } from "../private-sentinel.js";
import { waitFor } from "../wait-for.js";

const config = resolveConfig({});
const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {});
});

/** A master, a replica in sync with it, and a Sentinel that knows both. */
async function topology() {
  const master = await PrivateRedis.start();
  cleanup.push(() => master.close());
  const replica = await PrivateRedis.start({ args: ["--replicaof", "127.0.0.1", String(master.port)] });
  cleanup.push(async () => {
    replica.resume();
    await replica.close();
  });
  const probe = replica.client();
  await waitFor(async () => /master_link_status:up/.test(await probe.info("replication")), {
    what: "the replica in sync with the master",
  });
  probe.disconnect();
  const sentinel = await PrivateSentinel.start(master.port);
  cleanup.push(() => sentinel.close());
  await waitFor(async () => (await sentinel.replicas()) === 1, { what: "the Sentinel knows the replica" });
  return { master, replica, sentinel };
}

function node(sentinel: PrivateSentinel, more: Partial<RedisBrokerOptions> = {}): RedisBroker {
  const b = new RedisBroker({
    ...more,
    namespaces: new Namespaces(config.namespaces),
    recovery: config.recovery,
    idempotency: config.idempotency,
    // Only the Sentinel's answer counts; nothing listens on this URL's port.
    url: "redis://127.0.0.1:1",
    sentinels: [sentinel.address],
    sentinelName: sentinel.name,
    keyPrefix: "fo",
    commandTimeoutMs: 2000,
    healthCheckMs: 500,
  });
  cleanup.push(() => b.close());
  return b;
}

/** Two nodes through the Sentinel: `b` publishes, `a` watches (its events and stream resets are recorded). */
async function watchedPair(sentinel: PrivateSentinel) {
  const a = node(sentinel);
  const b = node(sentinel);
  await a.start();
  await b.start();
  const seen = { resets: 0, received: [] as HeraldEvent[] };
  a.onReset(() => seen.resets++);
  a.onEvent((e) => seen.received.push(e));
  return { a, b, seen };
}

/** Waits until the replica has every write the master acknowledged (`WAIT 1`). */
async function replicated(master: PrivateRedis): Promise<void> {
  const m = master.client();
  try {
    assert.equal(await m.call("WAIT", "1", "5000"), 1, "the replica has every acknowledged write");
  } finally {
    m.disconnect();
  }
}

/** Publishes, retrying what is refused with `unavailable` (nothing happened) while Redis fails over. */
async function publish(b: RedisBroker, topic: string, data: unknown, id: string): Promise<HeraldEvent> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return (await b.publish({ topic, data, id })).event;
    } catch (err) {
      if (!(err instanceof HeraldError) || err.code !== "unavailable" || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe("Redis Sentinel failover (private master, replica and Sentinel)", () => {
  it("follows the promoted replica; what was replicated before the kill stays exact, in the same epochs", async () => {
    const { master, replica, sentinel } = await topology();
    const { a, b, seen } = await watchedPair(sentinel);
    const acked: HeraldEvent[] = [];
    for (let i = 1; i <= 30; i++) acked.push(await publish(b, "fo.x", i, `x${i}`));
    await replicated(master);
    assert.equal(a.ready, true);
    await master.down();
    await waitFor(() => !a.ready, { what: "node a not ready while its master is gone (readiness tells the truth)" });
    for (let i = 31; i <= 40; i++) acked.push(await publish(b, "fo.x", i, `x${i}`));
    assert.equal(await sentinel.masterPort(), replica.port, "the replica was promoted");
    await waitFor(() => a.ready, { what: "node a ready again on the promoted replica" });

    assert.deepEqual(
      acked.map((e) => e.seq),
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    assert.equal(new Set(acked.map((e) => e.epoch)).size, 1, "one topic epoch across the failover");
    const history = await b.history("fo.x", { limit: 100 });
    assert.deepEqual(
      history.events.map((e) => e.id),
      acked.map((e) => e.id),
    );
    const recovery = await a.recoverTopic("fo.x", { epoch: acked[29]?.epoch as string, seq: 30 }, 50);
    assert.equal(recovery.recovered, true);
    assert.deepEqual(
      recovery.events.map((e) => e.data),
      Array.from({ length: 10 }, (_, i) => i + 31),
    );
    await waitFor(() => seen.received.length === 40, {
      what: () => `node a received all 40 (has ${seen.received.length})`,
    });
    assert.deepEqual(
      seen.received.map((e) => e.id),
      acked.map((e) => e.id),
      "every event once, in order",
    );
    assert.equal(seen.resets, 0);
  });

  it("moves to the promoted replica when the master stalls (SIGSTOP) instead of dying", async () => {
    const { master, replica, sentinel } = await topology();
    const b = node(sentinel);
    await b.start();
    const first = await publish(b, "fo.s", 1, "s1");
    await replicated(master);
    master.stall();
    try {
      const next = await publish(b, "fo.s", 2, "s2");
      assert.equal(await sentinel.masterPort(), replica.port);
      assert.equal(next.epoch, first.epoch);
      assert.equal(next.seq, 2);
    } finally {
      master.resume();
    }
  });

  it("reconnects when its master answers as a replica (READONLY), instead of failing every write on it", async () => {
    const a = await PrivateRedis.start();
    const other = await PrivateRedis.start();
    cleanup.push(
      () => a.close(),
      () => other.close(),
    );
    const b = new RedisBroker({
      namespaces: new Namespaces(config.namespaces),
      recovery: config.recovery,
      idempotency: config.idempotency,
      url: a.url,
      keyPrefix: "ro",
    });
    cleanup.push(() => b.close());
    await b.start();
    await b.publish({ topic: "ro.x", data: 1 });
    const id = await b.redis.client("ID");
    // Demoted without its clients being cut (a Sentinel's failover also kills them).
    const admin = a.client();
    await admin.call("REPLICAOF", "127.0.0.1", String(other.port));
    await assert.rejects(b.publish({ topic: "ro.x", data: 2 }), { code: "unavailable" });
    await waitFor(async () => b.redis.status === "ready" && (await b.redis.client("ID")) !== id, {
      what: "the command connection reopened after READONLY",
    });
    admin.disconnect();
  });

  it("a gateway with engine.sentinels: readiness tells the truth through the failover, a client resumes exactly", async () => {
    const { master, sentinel } = await topology();
    const g = await startGateway({
      engine: { type: "redis", sentinels: [sentinel.address], sentinelName: sentinel.name, keyPrefix: "fo-gw" },
    });
    cleanup.push(() => g.close());
    assert.equal((await getJson(`${g.url}/readyz`)).status, 200);
    const c = await TestClient.connect(g.wsUrl);
    await c.request({ type: "subscribe", topic: "gw.x" });
    for (let i = 1; i <= 3; i++)
      assert.equal((await postJson(`${g.url}/api/publish`, { topic: "gw.x", data: i })).status, 200);
    const seen = await c.events(3);
    await replicated(master);
    await master.down();
    await waitFor(async () => (await getJson(`${g.url}/readyz`)).status === 503, {
      what: "/readyz 503 without a master",
    });
    await waitFor(async () => (await postJson(`${g.url}/api/publish`, { topic: "gw.x", data: 4 })).status === 200, {
      what: "a publish accepted on the promoted replica",
      timeout: 30_000,
    });
    await waitFor(async () => (await getJson(`${g.url}/readyz`)).status === 200, { what: "/readyz 200 again" });
    // A client that was away across the failover resumes from its last position, exactly.
    const last = seen[2] as unknown as { epoch: string; seq: number };
    const again = await TestClient.connect(g.wsUrl);
    const ack = await again.request({ type: "subscribe", topic: "gw.x", since: { epoch: last.epoch, seq: last.seq } });
    assert.equal(ack.recovered, true);
    assert.deepEqual(
      (await again.events(1)).map((e) => e.data),
      [4],
    );
    c.close();
    again.close();
  });

  it("acknowledged writes the promoted replica never got: the stream is fenced, resuming from before says recovered:false", async () => {
    const { master, replica, sentinel } = await topology();
    const { b, seen } = await watchedPair(sentinel);
    // A node that acknowledges only what a replica holds (engine.ackReplicas 1).
    const c = node(sentinel, { ackReplicas: 1, ackReplicasTimeoutMs: 300 });
    await c.start();
    const acked: HeraldEvent[] = [];
    for (let i = 1; i <= 20; i++) acked.push(await publish(b, "fo.y", i, `y${i}`));
    const confirmed = (await c.publish({ topic: "fo.c", data: "kept", id: "c-kept" })).event;
    await replicated(master);
    const m = master.client();
    // Cut the replica off: stalled (SIGSTOP), and its replication link closed by the master, so
    // what the master takes from now on never reaches it (not even into its socket buffer).
    replica.stall();
    await m.call("CLIENT", "KILL", "TYPE", "replica");
    m.disconnect();
    for (let i = 21; i <= 25; i++) acked.push(await publish(b, "fo.y", i, `y${i}`));
    await assert.rejects(c.publish({ topic: "fo.c", data: "maybe", id: "c-maybe" }), { code: "unconfirmed" });
    await waitFor(() => seen.received.filter((e) => e.topic === "fo.y").length === 25, {
      what: "node a delivered all 25 (21–25 exist on the master only)",
    });
    await master.down();
    replica.resume();
    const later = await publish(b, "fo.y", "later", "y-later");
    assert.equal(await sentinel.masterPort(), replica.port, "the replica was promoted");

    const last = acked[24] as HeraldEvent;
    assert.notEqual(later.epoch, last.epoch, "sequenced after the loss, under a new epoch");
    assert.equal((await b.recoverTopic("fo.y", { epoch: last.epoch, seq: last.seq }, 50)).recovered, false);
    // Never a silent substitution: each acknowledged event is either still there, the same
    // event at the same (epoch, seq), or resuming from just before it says recovered:false.
    const history = await b.history("fo.y", { limit: 100 });
    for (const e of acked) {
      const kept = history.events.find((h) => h.epoch === e.epoch && h.seq === e.seq);
      if (kept !== undefined) assert.equal(kept.id, e.id, `seq ${e.seq} is the event acknowledged as it`);
      else
        assert.equal(
          (await b.recoverTopic("fo.y", { epoch: e.epoch, seq: e.seq - 1 }, 50)).recovered,
          false,
          `seq ${e.seq} was lost and resuming before it says so`,
        );
    }
    assert.ok(
      history.events.some((h) => h.id === "y20"),
      "what was replicated is still there",
    );
    // What the ackReplicas node acknowledged survived; what it answered unconfirmed is gone.
    const onC = await b.history("fo.c", { limit: 10 });
    assert.deepEqual(
      onC.events.map((e) => [e.id, e.epoch, e.seq]),
      [[confirmed.id, confirmed.epoch, confirmed.seq]],
    );
    await waitFor(() => seen.resets > 0, { what: "node a told its connections the stream was reset" });
  });
});
