/**
 * State topics on the Redis engine (the CF1 deployment: scale-out and snapshots + deltas): a
 * node started after the events serves the same snapshot as the node that saw them (rebuilt
 * from the checkpoint every node writes to Redis plus the history after it); patches published
 * on either node merge into one document on both; live events arriving while a node rebuilds
 * are neither lost nor applied twice.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { HeraldConfigInput } from "../../src/config.js";
import { getJson, type Running, startGateway, TestClient } from "../helpers.js";
import { dropPrefix } from "../integration/redis-helpers.js";
import { waitFor } from "../wait-for.js";

const dir = mkdtempSync(join(tmpdir(), "herald-state-redis-"));
const prefixes: string[] = [];
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const p of prefixes) await dropPrefix(p);
});

function config(prefix: string, node: string, historySize: number): HeraldConfigInput {
  return {
    engine: { type: "redis", keyPrefix: prefix },
    // Each node its own SQLite: nothing but Redis is shared.
    store: { path: join(dir, `${prefix}-${node}.db`), snapshotEvery: 10 },
    namespaces: [{ prefix: "proposals", durable: true, state: true, history: { size: historySize, ttlSeconds: 0 } }],
  };
}

async function snapshotOf(g: Running, topic: string): Promise<{ seq: number; state: unknown }> {
  const r = await getJson(`${g.url}/api/topics/${topic}/state`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { seq: r.body.seq as number, state: r.body.state };
}

describe("state topics on the Redis engine", () => {
  it("a node started later serves the same snapshot, even past the history it keeps", async () => {
    const prefix = `herald-test-st-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    // History holds 20 events; 45 are published: the late node needs the checkpoint in Redis.
    const a = await startGateway(config(prefix, "a", 20));
    let b: Running | undefined;
    try {
      const writer = await TestClient.connect(a.wsUrl);
      for (let i = 1; i <= 45; i++) {
        const ack = await writer.request({
          type: "publish",
          topic: "proposals.7",
          data: { [`vote${i % 4}`]: i, tally: { yes: i, no: 45 - i }, ...(i === 30 ? { vote1: null } : {}) },
        });
        assert.equal(ack.type, "ack", JSON.stringify(ack));
      }
      const onA = await snapshotOf(a, "proposals.7");
      assert.equal(onA.seq, 45);
      b = await startGateway(config(prefix, "b", 20));
      const late = await TestClient.connect(b.wsUrl);
      const ack = await late.request({ type: "subscribe", topic: "proposals.7" });
      assert.equal(ack.seq, 45);
      assert.deepEqual(ack.state, onA.state, "the late node's subscribe snapshot is the same document");
      assert.deepEqual(await snapshotOf(b, "proposals.7"), onA);
      // A patch on B merges into the same document on both nodes, and reaches A's subscriber.
      const watcher = await TestClient.connect(a.wsUrl);
      await watcher.request({ type: "subscribe", topic: "proposals.7" });
      const w2 = await TestClient.connect(b.wsUrl);
      assert.equal(
        (await w2.request({ type: "publish", topic: "proposals.7", data: { status: "passed" } })).type,
        "ack",
      );
      const delta = await watcher.next("event");
      assert.equal(delta.seq, 46);
      await waitFor(async () => (await snapshotOf(a, "proposals.7")).seq === 46, { what: "A applies seq 46" });
      const [sa, sb] = [await snapshotOf(a, "proposals.7"), await snapshotOf(b, "proposals.7")];
      assert.deepEqual(sa, sb);
      assert.equal((sa.state as { status: string }).status, "passed");
      for (const c of [writer, late, watcher, w2]) c.close();
    } finally {
      await b?.close();
      await a.close();
    }
  });

  it("events published while a late node rebuilds are neither lost nor applied twice", async () => {
    const prefix = `herald-test-st-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    const a = await startGateway(config(prefix, "a", 1000));
    let b: Running | undefined;
    try {
      const writer = await TestClient.connect(a.wsUrl);
      for (let i = 1; i <= 30; i++) {
        await writer.request({ type: "publish", topic: "proposals.9", data: { [`k${i % 6}`]: i, n: i } });
      }
      // B starts after the topic's first event: it must rebuild, and publishing goes on meanwhile.
      b = await startGateway(config(prefix, "b", 1000));
      // Publishing continues while B's first subscriber makes it rebuild.
      const more = (async () => {
        for (let i = 31; i <= 80; i++) {
          await writer.request({ type: "publish", topic: "proposals.9", data: { [`k${i % 6}`]: i, n: i } });
        }
      })();
      const reader = await TestClient.connect(b.wsUrl);
      const ack = await reader.request({ type: "subscribe", topic: "proposals.9" });
      await more;
      const seen = ack.seq as number;
      assert.ok(seen >= 30, `the snapshot holds at least the first 30 events (seq ${seen})`);
      const events = await reader.events(80 - seen);
      assert.deepEqual(
        events.map((e) => e.seq),
        Array.from({ length: 80 - seen }, (_, i) => seen + i + 1),
        "the deltas after the snapshot, each once",
      );
      const late = b;
      await waitFor(async () => (await snapshotOf(late, "proposals.9")).seq === 80, { what: "B at seq 80" });
      assert.deepEqual(await snapshotOf(late, "proposals.9"), await snapshotOf(a, "proposals.9"));
      writer.close();
      reader.close();
    } finally {
      await b?.close();
      await a.close();
    }
  });
});
