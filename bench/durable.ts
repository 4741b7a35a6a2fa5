/**
 * Durable publish throughput: the memory broker without a store, with SQLite and with Postgres
 * (group commit), in one run, at several publish concurrencies. Also the same through the
 * gateway's HTTP API, on the memory engine and on the Redis engine (`--redis`: durable events
 * committed by the Redis engine's committer, engine/durable-redis.ts). Results are recorded in
 * docs/storage.md.
 *
 *   npx tsx bench/durable.ts [--events N] [--pg postgres://…/db] [--redis redis://127.0.0.1:6379]
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { resolveConfig } from "../packages/server/src/config.js";
import type { Broker } from "../packages/server/src/engine/broker.js";
import { MemoryBroker } from "../packages/server/src/engine/broker-memory.js";
import { createGateway } from "../packages/server/src/gateway.js";
import { Namespaces } from "../packages/server/src/hub/namespaces.js";
import { DurableLog } from "../packages/server/src/store/durable-log.js";
import { LazyStore } from "../packages/server/src/store/lazy-store.js";
import type { Store } from "../packages/server/src/store/store.js";
import { PostgresStore } from "../packages/server/src/store/store-postgres.js";
import { SqliteStore } from "../packages/server/src/store/store-sqlite.js";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "20000" },
    pg: { type: "string", default: process.env.HERALD_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test" },
    redis: { type: "string" },
  },
});
const EVENTS = Number(values.events);
const PG_URL = values.pg as string;
const dir = mkdtempSync(join(tmpdir(), "herald-bench-"));
const schemas: string[] = [];

type Kind = "memory" | "sqlite" | "postgres";

function makeStore(kind: Kind): Store | undefined {
  if (kind === "sqlite") return new SqliteStore({ path: join(dir, `${randomUUID()}.db`) });
  if (kind === "postgres") {
    const schema = `herald_bench_${randomUUID().replace(/-/g, "").slice(0, 10)}`;
    schemas.push(schema);
    return new PostgresStore({ url: PG_URL, schema });
  }
  return undefined;
}

const payload = { price: 101.25, symbol: "CF1-001", side: "buy", qty: 12, note: "x".repeat(100) };

/** Publishes EVENTS events over 16 topics with `concurrency` publishes in flight. */
async function drive(publish: (i: number) => Promise<unknown>, concurrency: number, events = EVENTS): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < events) await publish(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return Math.round(events / seconds);
}

async function brokerRun(kind: Kind, concurrency: number): Promise<number> {
  const config = resolveConfig({ namespaces: [{ prefix: "", durable: kind !== "memory", history: { size: 1000 } }] });
  const namespaces = new Namespaces(config.namespaces);
  const store = makeStore(kind);
  const broker: Broker = new MemoryBroker({
    namespaces,
    recovery: config.recovery,
    idempotency: config.idempotency,
    ...(store ? { persistence: new DurableLog({ store: new LazyStore(store), namespaces }) } : {}),
  });
  await broker.start();
  // One fsync per event at concurrency 1 makes full runs long: fewer events there.
  const events = concurrency === 1 && kind !== "memory" ? Math.min(EVENTS, 2000) : EVENTS;
  const rate = await drive((i) => broker.publish({ topic: `bench.t${i % 16}`, data: payload }), concurrency, events);
  await broker.close();
  await store?.close();
  return rate;
}

async function httpRun(kind: Kind, concurrency: number, redisUrl?: string): Promise<number> {
  const store = makeStore(kind);
  const prefix = `herald-bench-${randomUUID().slice(0, 8)}`;
  const gateway = createGateway({
    defaultMetrics: false,
    ...(store ? { store } : {}),
    config: {
      ...(redisUrl !== undefined && { engine: { type: "redis", redisUrl, keyPrefix: prefix } }),
      log: { level: "silent" },
      limits: { httpRequestsPerSecond: 0 },
      namespaces: [{ prefix: "bench", durable: kind !== "memory", history: { size: 1000, ttlSeconds: 300 } }],
    },
  });
  const { port } = await gateway.listen({ port: 0, host: "127.0.0.1" });
  const url = `http://127.0.0.1:${port}/api/publish`;
  const events = concurrency === 1 ? Math.min(EVENTS, 1000) : Math.min(EVENTS, 10000);
  const post = async (i: number) => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic: `bench.t${i % 16}`, data: payload }),
    });
    if (res.status !== 200) throw new Error(`publish failed: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  await drive(post, concurrency, 500); // warm-up: connections, JIT
  const rate = await drive(post, concurrency, events);
  await gateway.close();
  if (redisUrl !== undefined) {
    const { Redis } = await import("ioredis");
    const r = new Redis(redisUrl);
    const keys = await r.keys(`${prefix}:*`);
    if (keys.length > 0) await r.unlink(...keys);
    r.disconnect();
  }
  return rate;
}

async function main(): Promise<void> {
  const kinds: Kind[] = ["memory", "sqlite", "postgres"];
  const rows: string[] = [];
  for (const concurrency of [1, 16, 256]) {
    const cells: number[] = [];
    for (const kind of kinds) cells.push(await brokerRun(kind, concurrency));
    rows.push(`| broker.publish | ${concurrency} | ${cells.map((c) => c.toLocaleString("en-US")).join(" | ")} |`);
  }
  for (const engine of values.redis === undefined ? [undefined] : [undefined, values.redis]) {
    for (const concurrency of [1, 16, 64]) {
      const cells: number[] = [];
      for (const kind of kinds) cells.push(await httpRun(kind, concurrency, engine));
      const path = engine === undefined ? "HTTP POST /api/publish" : "HTTP POST /api/publish, Redis engine";
      rows.push(`| ${path} | ${concurrency} | ${cells.map((c) => c.toLocaleString("en-US")).join(" | ")} |`);
    }
  }
  process.stdout.write(
    `durable publish throughput, events/s (${EVENTS} events, 16 topics, ~170-byte payload, node ${process.version})\n\n` +
      "| path | in flight | memory | SQLite | Postgres |\n|---|---|---|---|---|\n" +
      `${rows.join("\n")}\n`,
  );
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (schemas.length > 0) {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await c.end();
  }
}
