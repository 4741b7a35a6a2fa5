/**
 * Connector bench: source-to-subscriber latency (p50/p99) for Redis Streams, NATS JetStream and
 * Postgres logical replication at a fixed rate into many subscribers, against the same rate
 * published in-process through the same publish path (the baseline, same run); and the sustained ingest rate of each
 * connector on one core, against publishing in-process (the baseline, same run).
 *
 *   taskset -c 0 npx tsx bench/connectors.ts [--subs 1000] [--rate 1000] [--seconds 10] [--events 20000]
 *
 * The gateway and the producers run in this process (core 0); subscribers run in a child
 * process on core 1. Postgres logical replication runs on a private cluster this bench starts
 * (wal_level=logical). Results are recorded in bench/RESULTS.md.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { Redis } from "ioredis";
import pg from "pg";
import type { HeraldConfigInput } from "../packages/server/src/config.js";
import { createGateway, type Gateway } from "../packages/server/src/gateway.js";
import { startPostgres } from "../packages/server/test/connectors/private-servers.js";

const { values } = parseArgs({
  options: {
    subs: { type: "string", default: "1000" },
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
    events: { type: "string", default: "20000" },
    sample: { type: "string", default: "10" },
  },
});
const SUBS = Number(values.subs);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const EVENTS = Number(values.events);
const REDIS = process.env.HERALD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const NATS = process.env.HERALD_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const run = Date.now().toString(36);
const now = () => performance.timeOrigin + performance.now();

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

interface Source {
  name: string;
  connector?: NonNullable<HeraldConfigInput["connectors"]>[number];
  /** Sends one event whose data carries `t` (send time) and `i`. */
  send(gateway: Gateway, url: string, i: number): Promise<void>;
  /** Creates the ingest run's own group / consumer / slot at the source's current end, before the pre-fill. */
  prepareIngest?(): Promise<void>;
  close(): Promise<void>;
}

async function sources(pgUrl: string): Promise<Source[]> {
  const redis = new Redis(REDIS);
  const nc = await connect({ servers: NATS });
  const jsm = await jetstreamManager(nc);
  const stream = `HERALD_BENCH_${run}`;
  await jsm.streams.add({ name: stream, subjects: [`herald-bench.${run}.>`] });
  const js = jetstream(nc);
  const pool = new pg.Pool({ connectionString: pgUrl, max: 4 });
  await pool.query("CREATE TABLE IF NOT EXISTS bench (i INT PRIMARY KEY, t DOUBLE PRECISION NOT NULL)");
  const mapping = { topic: "bench.lat", reconnect: { initialMs: 50, maxMs: 1000 } };
  return [
    {
      name: "in-process publish (baseline)",
      async send(gateway, _u, i) {
        await gateway.publish("bench.lat", { t: now(), i });
      },
      close: async () => {},
    },
    {
      name: "redis-stream",
      connector: {
        type: "redis-stream",
        name: "rs",
        ...mapping,
        options: { url: REDIS, streams: [`herald-bench:${run}`], group: "bench", blockMs: 1000 },
      },
      async prepareIngest() {
        await redis.xgroup("CREATE", `herald-bench:${run}`, "ingest", "$", "MKSTREAM");
      },
      async send(_g, _u, i) {
        await redis.xadd(`herald-bench:${run}`, "*", "data", JSON.stringify({ t: now(), i }));
      },
      close: async () => {
        await redis.del(`herald-bench:${run}`);
        redis.disconnect();
      },
    },
    {
      name: "nats-jetstream",
      connector: { type: "nats-jetstream", name: "js", ...mapping, options: { servers: NATS, stream, deliver: "new" } },
      async prepareIngest() {
        await jsm.consumers.add(stream, {
          durable_name: "ingest",
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.New,
        });
      },
      async send(_g, _u, i) {
        await js.publish(`herald-bench.${run}.x`, JSON.stringify({ t: now(), i }));
      },
      close: async () => {
        await jsm.streams.delete(stream);
        await nc.close();
      },
    },
    {
      name: "pg-logical",
      connector: { type: "pg-logical", name: "lr", ...mapping, options: { url: pgUrl, tables: ["bench"] } },
      async prepareIngest() {
        await pool.query("CREATE PUBLICATION ingest FOR TABLE bench");
        await pool.query("SELECT pg_create_logical_replication_slot('ingest', 'pgoutput')");
      },
      async send(_g, _u, i) {
        await pool.query("INSERT INTO bench VALUES ($1, $2)", [i, now()]);
      },
      close: () => pool.end(),
    },
  ];
}

async function subscribers(url: string): Promise<ChildProcess> {
  const file = new URL("./connectors/subscribers.ts", import.meta.url).pathname;
  const child = spawn(
    "taskset",
    [
      "-c",
      "1",
      process.execPath,
      "--import",
      "tsx",
      file,
      url.replace("http", "ws") + "/ws",
      "bench.lat",
      String(SUBS),
      values.sample as string,
    ],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  await new Promise((resolve) => child.once("message", resolve));
  return child;
}

function ask(child: ChildProcess): Promise<{ received: number; latencies: number[] }> {
  return new Promise((resolve) => {
    child.once("message", (m) => resolve(m as { received: number; latencies: number[] }));
    child.send({ cmd: "report" });
  });
}

async function latency(source: Source): Promise<string> {
  const gateway = createGateway({
    defaultMetrics: false,
    config: {
      log: { level: "silent" },
      store: { path: ":memory:" },
      limits: { maxConnections: 50_000, connectionsPerIpPerSecond: 0, httpRequestsPerSecond: 0 },
      connectors: source.connector === undefined ? [] : [source.connector],
    },
  });
  const { url } = await gateway.listen({ port: 0, host: "127.0.0.1" });
  const subs = await subscribers(url);
  try {
    // Warm-up (also lets a consumer or slot settle), then the measured interval at RATE.
    for (let i = 0; i < 50; i++) await source.send(gateway, url, -i - 1);
    await new Promise((r) => setTimeout(r, 1000));
    await ask(subs);
    const total = RATE * SECONDS;
    const start = now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(source.send(gateway, url, i));
      if (pending.length >= 256) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    const achieved = Math.round(total / ((now() - start) / 1000));
    await new Promise((r) => setTimeout(r, 2000)); // the tail reaches the subscribers
    const { received, latencies } = await ask(subs);
    latencies.sort((a, b) => a - b);
    return `| ${source.name} | ${achieved} | ${SUBS} | ${received} / ${total * SUBS} | ${pct(latencies, 50).toFixed(1)} | ${pct(latencies, 99).toFixed(1)} |`;
  } finally {
    subs.send({ cmd: "stop" });
    await gateway.close();
  }
}

/** Events per second a connector moves from a pre-filled source into the gateway (no subscribers). */
async function ingest(source: Source): Promise<string> {
  await source.prepareIngest?.();
  for (let i = 0; i < EVENTS; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, EVENTS - i) }, (_, j) =>
        source.send(undefined as never, "", 1_000_000 + i + j),
      ),
    );
  }
  const gateway = createGateway({
    defaultMetrics: false,
    config: {
      log: { level: "silent" },
      store: { path: ":memory:" },
      connectors:
        source.connector === undefined
          ? []
          : [
              {
                ...source.connector,
                options: {
                  ...source.connector.options,
                  ...(source.connector.type === "nats-jetstream" ? { durable: "ingest" } : {}),
                  ...(source.connector.type === "redis-stream" ? { group: "ingest" } : {}),
                  ...(source.connector.type === "pg-logical" ? { slot: "ingest", publication: "ingest" } : {}),
                },
                maxInFlight: 256,
              },
            ],
    },
  });
  const start = now();
  await gateway.listen({ port: 0, host: "127.0.0.1" });
  const c = gateway.connectors.status()[0];
  const name = c?.name as string;
  for (;;) {
    const h = gateway.connectors.get(name)?.health();
    if (h !== undefined && h.accepted >= EVENTS) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const rate = Math.round(EVENTS / ((now() - start) / 1000));
  await gateway.close();
  return `| ${source.name} | ${EVENTS} | ${rate} |`;
}

/** The baseline of the ingest rate: the same number of events through `gateway.publish`, 256 in flight. */
async function ingestBaseline(): Promise<string> {
  const gateway = createGateway({
    defaultMetrics: false,
    config: { log: { level: "silent" }, store: { path: ":memory:" } },
  });
  await gateway.listen({ port: 0, host: "127.0.0.1" });
  let next = 0;
  const start = now();
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      while (next < EVENTS) {
        const i = next++;
        await gateway.publish("bench.lat", { t: now(), i }, { id: `b${i}` });
      }
    }),
  );
  const rate = Math.round(EVENTS / ((now() - start) / 1000));
  await gateway.close();
  return `| in-process publish (baseline) | ${EVENTS} | ${rate} |`;
}

const pgServer = await startPostgres({ logical: true });
try {
  const list = await sources(pgServer.url);
  console.log(
    `\nSource-to-subscriber latency, ${RATE} events/s for ${SECONDS} s into ${SUBS} subscribers (ms, every ${values.sample}th subscriber sampled)\n`,
  );
  console.log(
    "| source | events/s | subscribers | deliveries | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- | --- |",
  );
  for (const s of list) console.log(await latency(s));
  console.log(
    `\nSustained ingest on one core: ${EVENTS} events pre-filled in the source, time until all were accepted\n`,
  );
  console.log("| source | events | events/s |\n| --- | --- | --- |");
  console.log(await ingestBaseline());
  for (const s of list.slice(1)) console.log(await ingest(s));
  for (const s of list) await s.close();
} finally {
  await pgServer.stop();
}
process.exit(0);
