/**
 * Publishes per second through one Redis server from two Redis-engine nodes, and the Redis time
 * each publish costs (`INFO commandstats`: the scripts' microseconds over the publishes acked),
 * with `engine.publishBatchMax` 1 (one script call per publish) against batching, in one run.
 *
 * A private `redis-server` on a free port, pinned to core 0 (`taskset`, when there); this
 * process (both nodes, every publisher) on core 1. Each round runs every setting for
 * `--seconds`, the order alternating per round; the figures are medians over rounds.
 *
 *   node --conditions=herald-source --import tsx bench/redis-publish.ts \
 *     [--rounds 5] [--seconds 3] [--publishers 16] [--inflight 32] [--topics 1000] [--batch 1,64]
 */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { resolveConfig } from "../packages/server/src/config.js";
import { RedisBroker } from "../packages/server/src/engine/broker-redis.js";
import { Namespaces } from "../packages/server/src/hub/namespaces.js";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    seconds: { type: "string", default: "3" },
    publishers: { type: "string", default: "16" },
    inflight: { type: "string", default: "32" },
    topics: { type: "string", default: "1000" },
    batch: { type: "string", default: "1,64" },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const PUBLISHERS = Number(values.publishers);
const INFLIGHT = Number(values.inflight);
const TOPICS = Number(values.topics);
const SETTINGS = values.batch.split(",").map(Number);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const pinned = spawnSync("taskset", ["-V"]).status === 0;
if (pinned) spawnSync("taskset", ["-pc", "1", String(process.pid)]);

async function startRedis(port: number) {
  const dir = mkdtempSync(join(tmpdir(), "herald-bench-redis-"));
  const args = ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no", "--dir", dir];
  const child = pinned
    ? spawn("taskset", ["-c", "0", "redis-server", ...args], { stdio: ["ignore", "pipe", "inherit"] })
    : spawn("redis-server", args, { stdio: ["ignore", "pipe", "inherit"] });
  let log = "";
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    log += chunk.toString();
    if (log.includes("Ready to accept connections")) break;
  }
  child.stdout?.resume();
  return {
    child,
    stop: async () => {
      child.kill("SIGKILL");
      await once(child, "exit");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

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

interface Sample {
  rate: number;
  usPerPublish: number;
  scriptsPerPublish: number;
  refused: number;
}

async function run(url: string, admin: Redis, batch: number): Promise<Sample> {
  await admin.flushall();
  const config = resolveConfig({ engine: { type: "redis", redisUrl: url, publishBatchMax: batch } });
  const namespaces = new Namespaces(config.namespaces);
  const nodes = [0, 1].map(
    () =>
      new RedisBroker({
        namespaces,
        recovery: config.recovery,
        idempotency: config.idempotency,
        url,
        keyPrefix: "bench",
        publishBatchMax: batch,
      }),
  );
  for (const n of nodes) await n.start();
  await admin.config("RESETSTAT");
  const before = await scriptStats(admin);
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
          await node.publish({ topic, data });
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
  for (const n of nodes) await n.close();
  return {
    rate: acked / elapsed,
    usPerPublish: (after.usec - before.usec) / Math.max(1, acked),
    scriptsPerPublish: (after.calls - before.calls) / Math.max(1, acked),
    refused,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const port = await freePort();
const redis = await startRedis(port);
const url = `redis://127.0.0.1:${port}`;
const admin = new Redis(url);
const samples = new Map<number, Sample[]>(SETTINGS.map((b) => [b, []]));
try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? SETTINGS : [...SETTINGS].reverse();
    for (const batch of order) {
      const s = await run(url, admin, batch);
      samples.get(batch)?.push(s);
      console.error(
        `round ${round + 1} batch ${batch}: ${Math.round(s.rate)} publishes/s, ${s.usPerPublish.toFixed(1)} µs of Redis per publish, ${s.scriptsPerPublish.toFixed(3)} script calls per publish, ${s.refused} refused`,
      );
    }
  }
} finally {
  admin.disconnect();
  await redis.stop();
}

const base = median((samples.get(SETTINGS[0] as number) ?? []).map((s) => s.rate));
console.log(
  `## Redis engine publishes (two nodes, one redis-server; ${PUBLISHERS} publishers × ${INFLIGHT} in flight, ${TOPICS} topics; medians of ${ROUNDS} interleaved rounds of ${SECONDS} s)`,
);
console.log("| engine.publishBatchMax | publishes/s | Redis µs per publish | script calls per publish | refused |");
console.log("|---|---|---|---|---|");
for (const batch of SETTINGS) {
  const list = samples.get(batch) ?? [];
  const rate = median(list.map((s) => s.rate));
  console.log(
    `| ${batch} | ${Math.round(rate)} (${(rate / base).toFixed(2)}×) | ${median(list.map((s) => s.usPerPublish)).toFixed(1)} | ${median(list.map((s) => s.scriptsPerPublish)).toFixed(3)} | ${list.reduce((n, s) => n + s.refused, 0)} |`,
  );
}
