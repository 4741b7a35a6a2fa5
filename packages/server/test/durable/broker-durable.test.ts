/**
 * The memory broker with durable history: the shared broker suite unchanged (every namespace
 * durable, on SQLite), then what only durability adds: restart keeps epochs, seqs, history,
 * stream position and idempotency; a failed store stops durable publishes without a hole.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type HeraldConfig, resolveConfig } from "../../src/config.js";
import { MemoryBroker } from "../../src/engine/broker-memory.js";
import { Namespaces } from "../../src/hub/namespaces.js";
import { DurableLog } from "../../src/store/durable-log.js";
import { LazyStore } from "../../src/store/lazy-store.js";
import type { Store } from "../../src/store/store.js";
import { SqliteStore } from "../../src/store/store-sqlite.js";
import { brokerSuite } from "../suites/broker.suite.js";

const dir = mkdtempSync(join(tmpdir(), "herald-durable-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function durableBroker(config: HeraldConfig, store: Store): MemoryBroker {
  const namespaces = new Namespaces(config.namespaces.map((ns) => ({ ...ns, durable: true })));
  return new MemoryBroker({
    namespaces,
    recovery: config.recovery,
    idempotency: config.idempotency,
    persistence: new DurableLog({ store: new LazyStore(store), namespaces }),
  });
}

const stores = new WeakMap<object, Store>();
brokerSuite(
  "memory + durable SQLite",
  async (config) => {
    const store = new SqliteStore({ path: join(dir, `suite-${++n}.db`) });
    const b = durableBroker(config, store);
    stores.set(b, store);
    await b.start();
    return b;
  },
  async (b) => {
    await b.close();
    await stores.get(b)?.close();
  },
);

describe("durable history across a restart", () => {
  const config = resolveConfig({
    namespaces: [{ prefix: "", history: { size: 5, ttlSeconds: 0 } }],
    recovery: { maxEvents: 50, streamSize: 1000, streamTtlSeconds: 3600 },
  });

  it("keeps epoch, seq, history and ids, and recovers a topic position from before", async () => {
    const path = join(dir, `restart-${++n}.db`);
    let store = new SqliteStore({ path });
    let b = durableBroker(config, store);
    await b.start();
    const first = await Promise.all(
      Array.from({ length: 8 }, (_, i) => b.publish({ topic: "a.b", data: i, id: `id-${i}` })),
    );
    assert.deepEqual(
      first.map((o) => o.event.seq),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    const epoch = first[0]?.event.epoch as string;
    const stream = await b.streamPosition();
    await b.close();
    await store.close();

    store = new SqliteStore({ path });
    b = durableBroker(config, store);
    await b.start();
    try {
      assert.deepEqual(await b.position("a.b"), { epoch, seq: 8 });
      assert.equal((await b.streamPosition()).epoch, stream.epoch);
      const page = await b.history("a.b", { limit: 100 });
      assert.deepEqual(
        page.events.map((e) => e.data),
        [3, 4, 5, 6, 7],
      );
      const r = await b.recoverTopic("a.b", { epoch, seq: 5 }, 50);
      assert.equal(r.recovered, true);
      assert.deepEqual(
        r.events.map((e) => e.seq),
        [6, 7, 8],
      );
      const dup = await b.publish({ topic: "a.b", data: "again", id: "id-7" });
      assert.equal(dup.duplicate, true);
      assert.equal(dup.event.seq, 8);
      const next = await b.publish({ topic: "a.b", data: 8 });
      assert.deepEqual([next.event.seq, next.event.epoch], [9, epoch]);
      assert.ok(next.event.offset > stream.offset, "offsets never go back after a restart");
    } finally {
      await b.close();
      await store.close();
    }
  });

  it("delivers durable and in-memory events in offset order, and positions never run ahead", async () => {
    const mixed = resolveConfig({ namespaces: [{ prefix: "keep", durable: true }] });
    const namespaces = new Namespaces(mixed.namespaces);
    const store = new SqliteStore({ path: join(dir, `mixed-${++n}.db`) });
    const b = new MemoryBroker({
      namespaces,
      recovery: mixed.recovery,
      idempotency: mixed.idempotency,
      persistence: new DurableLog({ store: new LazyStore(store), namespaces }),
    });
    await b.start();
    try {
      const seen: number[] = [];
      b.onEvent((e) => seen.push(e.offset));
      const p1 = b.publish({ topic: "keep.x", data: 1 });
      const p2 = b.publish({ topic: "free.y", data: 2 });
      // Not applied before the durable event ahead of it is committed.
      assert.equal((await b.position("free.y")).seq, 0);
      const [o1, o2] = await Promise.all([p1, p2]);
      assert.deepEqual(seen, [o1.event.offset, o2.event.offset]);
      assert.equal((await b.position("free.y")).seq, 1);
    } finally {
      await b.close();
      await store.close();
    }
  });

  it("recovers a durable pattern across a restart, and refuses one that covers lost events", async () => {
    const mixed = resolveConfig({ namespaces: [{ prefix: "keep", durable: true }] });
    const namespaces = new Namespaces(mixed.namespaces);
    const path = join(dir, `pattern-${++n}.db`);
    const open = async () => {
      const store = new SqliteStore({ path });
      const b = new MemoryBroker({
        namespaces,
        recovery: mixed.recovery,
        idempotency: mixed.idempotency,
        persistence: new DurableLog({ store: new LazyStore(store), namespaces }),
      });
      await b.start();
      return { b, store };
    };
    let { b, store } = await open();
    const first = await b.publish({ topic: "keep.a", data: 1 });
    await b.publish({ topic: "free.x", data: 2 });
    const kept = await b.publish({ topic: "keep.b", data: 3 });
    const since = { epoch: (await b.streamPosition()).epoch, offset: first.event.offset };
    await b.close();
    await store.close();
    ({ b, store } = await open());
    try {
      const later = await b.publish({ topic: "keep.c", data: 4 });
      const r = await b.recoverPattern("keep.>", since, 50);
      assert.equal(r.recovered, true);
      assert.deepEqual(
        r.events.map((e) => e.id),
        [kept.event.id, later.event.id],
      );
      // `free.x` was not durable: a pattern that can match it cannot be recovered exactly.
      assert.equal((await b.recoverPattern(">", since, 50)).recovered, false);
      assert.equal((await b.recoverPattern("*.x", since, 50)).recovered, false);
      // Positions taken after the restart recover every pattern as usual.
      const now = await b.streamPosition();
      await b.publish({ topic: "free.y", data: 5 });
      assert.deepEqual(
        (await b.recoverPattern(">", now, 50)).events.map((e) => e.data),
        [5],
      );
    } finally {
      await b.close();
      await store.close();
    }
  });

  it("enforces retention by count and age in the store, and pattern recovery knows what was trimmed", async () => {
    const small = resolveConfig({ namespaces: [{ prefix: "", durable: true, history: { size: 3, ttlSeconds: 0 } }] });
    const namespaces = new Namespaces(small.namespaces);
    const store = new SqliteStore({ path: join(dir, `retention-${++n}.db`) });
    let clock = 1_000_000;
    const log = new DurableLog({ store: new LazyStore(store), namespaces, now: () => clock });
    const b = new MemoryBroker({
      namespaces,
      recovery: small.recovery,
      idempotency: small.idempotency,
      persistence: log,
    });
    await b.start();
    try {
      const out = [];
      for (let i = 1; i <= 10; i++) out.push(await b.publish({ topic: "r.t", data: i }));
      assert.equal(await log.sweep(), 7);
      assert.deepEqual(
        (await store.events("r.t", 0, 100)).map((e) => e.seq),
        [8, 9, 10],
      );
      assert.equal(await store.trimmedOffset(), out[6]?.event.offset);
      clock += 1000;
      assert.equal(await log.sweep(), 0, "no age limit configured");
    } finally {
      await b.close();
      await store.close();
    }
  });

  it("stops durable publishes after a failed commit and leaves no hole", async () => {
    const store = new SqliteStore({ path: join(dir, `fail-${++n}.db`) });
    const b = durableBroker(config, store);
    await b.start();
    try {
      await b.publish({ topic: "f", data: 1 });
      const real = store.append.bind(store);
      store.append = async () => {
        throw new Error("disk full");
      };
      await assert.rejects(b.publish({ topic: "f", data: 2 }), { code: "unavailable" });
      await assert.rejects(b.publish({ topic: "f", data: 3 }), { code: "unavailable" });
      store.append = real;
      assert.deepEqual((await b.position("f")).seq, 1);
      assert.deepEqual(
        (await store.events("f", 0, 10)).map((e) => e.seq),
        [1],
      );
    } finally {
      await b.close();
      await store.close();
    }
  });
});
