/**
 * Publishes per second through one Redis server from two Redis-engine nodes, and the Redis time
 * each publish costs (`INFO commandstats`: the scripts' microseconds over the publishes acked),
 * with `engine.publishBatchMax` 1 (one script call per publish) against batching, in one run.
 *
 * A private `redis-server` on a free port, pinned to core 0 (`taskset`, when there); this
 * process (both nodes, every publisher) on core 1. Each round runs every setting for
 * `--seconds`, the order alternating per round; the figures are medians over rounds.
 *
 * Publishes carry an event id as the client SDK gives one (`--ids given`: an idempotency record
 * each) or none (`--ids none`: ids made up by the server, never recorded). Besides the scripts'
 * time it reports the server's whole CPU per publish (`INFO cpu`), background expiry included.
 *
 *   node --conditions=herald-source --import tsx bench/redis-publish.ts \
 *     [--rounds 5] [--seconds 3] [--publishers 16] [--inflight 32] [--topics 1000] [--batch 1,64] [--ids given,none]
 *     [--baseline <another checkout>] [--ack-replicas 0,1]
 *
 * `--ack-replicas 0,1` adds a replica (same core as the master) and measures
 * `engine.ackReplicas` 1 (a `WAIT` after each script call) against 0.
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import type { Redis } from "ioredis";
import { resolveConfig } from "../packages/server/src/config.js";
import { RedisBroker } from "../packages/server/src/engine/broker-redis.js";
import { Namespaces } from "../packages/server/src/hub/namespaces.js";
import { hasTaskset, PrivateRedis } from "../packages/server/test/private-redis.js";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    seconds: { type: "string", default: "3" },
    publishers: { type: "string", default: "16" },
    inflight: { type: "string", default: "32" },
    topics: { type: "string", default: "1000" },
    batch: { type: "string", default: "1,64" },
    ids: { type: "string", default: "given" },
    baseline: { type: "string" },
    "ack-replicas": { type: "string", default: "0" },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const PUBLISHERS = Number(values.publishers);
const INFLIGHT = Number(values.inflight);
const TOPICS = Number(values.topics);
/** Every (publishBatchMax, ids) pair: ids "given" as the client SDK gives them (an idempotency record each), or "none". */
const codes = values.baseline === undefined ? ["this"] : ["baseline", "this"];
const ACKS = values["ack-replicas"].split(",").map(Number);
const SETTINGS = codes.flatMap((code) =>
  values.batch
    .split(",")
    .flatMap((b) =>
      values.ids
        .split(",")
        .flatMap((ids) => ACKS.map((acks) => ({ code, batch: Number(b), ids: ids === "given", acks }))),
    ),
);
const label = (s: (typeof SETTINGS)[number]) =>
  `${s.code === "baseline" ? "baseline " : ""}${s.batch}, ids ${s.ids ? "given" : "none"}${ACKS.some((a) => a > 0) ? `, ackReplicas ${s.acks}` : ""}`;
/** The broker of another checkout (`--baseline <dir>`), measured against this one's in the same run. */
const Brokers: Record<string, typeof RedisBroker> = { this: RedisBroker };
if (values.baseline !== undefined) {
  const path = `${values.baseline}/packages/server/src/engine/broker-redis.ts`;
  Brokers.baseline = ((await import(path)) as { RedisBroker: typeof RedisBroker }).RedisBroker;
}

// This process (both nodes, every publisher) on core 1, the server on core 0.
if (hasTaskset) spawnSync("taskset", ["-pc", "1", String(process.pid)]);

/** The scripts' calls and microseconds so far (`EVALSHA` and `EVAL`). */
async function scriptStats(admin: Redis): Promise<{ calls: number; usec: number }> {
  const text = (await admin.info("commandstats")) as string;
  let calls = 0;
  let usec = 0;
  for (const m of text.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+),usec=(\d+)/g)) {
    calls += Number(m[1]);
    usec += Number(m[2]);
  }
  return { calls, usec };
}

/** Every command's calls and microseconds so far (`INFO commandstats`; commands a script runs count too). */
async function commandStats(admin: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const text = (await admin.info("commandstats")) as string;
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const m of text.matchAll(/cmdstat_([a-z|]+):calls=(\d+),usec=(\d+)/g)) {
    stats.set(m[1] as string, { calls: Number(m[2]), usec: Number(m[3]) });
  }
  return stats;
}

/** CPU seconds the server has used (user + system), background work included (expiry, eviction). */
async function serverCpu(admin: Redis): Promise<number> {
  const text = (await admin.info("cpu")) as string;
  const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(text)?.[1] ?? 0);
  return field("used_cpu_user") + field("used_cpu_sys");
}

interface Sample {
  /** Per command a script ran: calls and microseconds per acknowledged publish. */
  commands: Map<string, { calls: number; usec: number }>;
  rate: number;
  usPerPublish: number;
  cpuUsPerPublish: number;
  scriptsPerPublish: number;
  refused: number;
}

async function run(url: string, admin: Redis, setting: (typeof SETTINGS)[number]): Promise<Sample> {
  const { batch, ids } = setting;
  const Broker = Brokers[setting.code] as typeof RedisBroker;
  await admin.flushall();
  const config = resolveConfig({ engine: { type: "redis", redisUrl: url, publishBatchMax: batch } });
  const namespaces = new Namespaces(config.namespaces);
  const nodes = [0, 1].map(
    () =>
      new Broker({
        namespaces,
        recovery: config.recovery,
        idempotency: config.idempotency,
        url,
        keyPrefix: "bench",
        publishBatchMax: batch,
        ...(setting.acks > 0 && { ackReplicas: setting.acks }),
      }),
  );
  for (const n of nodes) await n.start();
  await admin.config("RESETSTAT");
  const before = await scriptStats(admin);
  const commandsBefore = await commandStats(admin);
  const cpuBefore = await serverCpu(admin);
  const end = Date.now() + SECONDS * 1000;
  let acked = 0;
  let refused = 0;
  let next = 0;
  const data = { p: "x".repeat(60) };
  const publisher = async (p: number) => {
    const node = nodes[p % nodes.length] as RedisBroker;
    const lane = async () => {
      while (Date.now() < end) {
        const topic = `bench.t${next++ % TOPICS}`;
        try {
          await node.publish(ids ? { topic, data, id: randomUUID() } : { topic, data });
          acked++;
        } catch {
          refused++;
        }
      }
    };
    await Promise.all(Array.from({ length: INFLIGHT }, lane));
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: PUBLISHERS }, (_, p) => publisher(p)));
  const elapsed = (Date.now() - t0) / 1000;
  const after = await scriptStats(admin);
  const cpuAfter = await serverCpu(admin);
  const commands = new Map<string, { calls: number; usec: number }>();
  for (const [name, c] of await commandStats(admin)) {
    const b = commandsBefore.get(name) ?? { calls: 0, usec: 0 };
    const per = { calls: (c.calls - b.calls) / Math.max(1, acked), usec: (c.usec - b.usec) / Math.max(1, acked) };
    if (per.usec >= 0.05) commands.set(name, per);
  }
  for (const n of nodes) await n.close();
  return {
    commands,
    rate: acked / elapsed,
    usPerPublish: (after.usec - before.usec) / Math.max(1, acked),
    cpuUsPerPublish: ((cpuAfter - cpuBefore) * 1e6) / Math.max(1, acked),
    scriptsPerPublish: (after.calls - before.calls) / Math.max(1, acked),
    refused,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const redis = await PrivateRedis.start({ cpu: 0 });
const url = redis.url;
const admin = redis.client();
// With --ack-replicas, a replica on the same core as the master (WAIT needs one).
const replica = ACKS.some((a) => a > 0)
  ? await PrivateRedis.start({ cpu: 1, args: ["--replicaof", "127.0.0.1", String(redis.port)] })
  : undefined;
const samples = SETTINGS.map(() => [] as Sample[]);
try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = SETTINGS.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const setting = SETTINGS[i] as (typeof SETTINGS)[number];
      const s = await run(url, admin, setting);
      samples[i]?.push(s);
      console.error(
        `round ${round + 1} batch ${label(setting)}: ${Math.round(s.rate)} publishes/s, ${s.usPerPublish.toFixed(1)} µs of scripts and ${s.cpuUsPerPublish.toFixed(1)} µs of Redis CPU per publish, ${s.scriptsPerPublish.toFixed(3)} script calls per publish, ${s.refused} refused`,
      );
    }
  }
} finally {
  admin.disconnect();
  await replica?.close();
  await redis.close();
}

const base = median((samples[0] ?? []).map((s) => s.rate));
console.log(
  `## Redis engine publishes (two nodes, one redis-server; ${PUBLISHERS} publishers × ${INFLIGHT} in flight, ${TOPICS} topics; medians of ${ROUNDS} interleaved rounds of ${SECONDS} s)`,
);
console.log(
  "| engine.publishBatchMax, event ids | publishes/s | script µs per publish | Redis CPU µs per publish | script calls per publish | refused |",
);
console.log("|---|---|---|---|---|---|");
SETTINGS.forEach((setting, i) => {
  const list = samples[i] ?? [];
  const rate = median(list.map((s) => s.rate));
  console.log(
    `| ${label(setting)} | ${Math.round(rate)} (${(rate / base).toFixed(2)}×) | ${median(list.map((s) => s.usPerPublish)).toFixed(1)} | ${median(list.map((s) => s.cpuUsPerPublish)).toFixed(1)} | ${median(list.map((s) => s.scriptsPerPublish)).toFixed(3)} | ${list.reduce((n, s) => n + s.refused, 0)} |`,
  );
});
console.log(
  "\nRedis time per publish by command (medians; commands a script runs count in their own row and in the script's):",
);
SETTINGS.forEach((setting, i) => {
  const list = samples[i] ?? [];
  const names = [...new Set(list.flatMap((s) => [...s.commands.keys()]))];
  const cells = names
    .map((name) => ({
      name,
      calls: median(list.map((s) => s.commands.get(name)?.calls ?? 0)),
      usec: median(list.map((s) => s.commands.get(name)?.usec ?? 0)),
    }))
    .sort((a, b) => b.usec - a.usec)
    .map((c) => `${c.name} ${c.usec.toFixed(1)} µs (${c.calls.toFixed(2)} calls)`);
  console.log(`- ${label(setting)}: ${cells.join(", ")}`);
});
