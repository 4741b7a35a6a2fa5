/**
 * Fault tests: the source is killed (SIGKILL) mid-stream and restarted on its private port, and
 * Herald itself is killed between checkpoints — every source event must still reach
 * subscribers exactly once, in source order per key. What subscribers receive is read back
 * from the durable history (every committed event, each once).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { Redis } from "ioredis";
import pg from "pg";
import { MemoryCheckpointStore } from "../../src/connectors/checkpoint-memory.js";
import { MemoryDeadLetterStore } from "../../src/pipeline/dead-letter-memory.js";
import { Ingest } from "../../src/pipeline/ingest.js";
import { startGateway } from "../helpers.js";
import { startNats, startPostgres, startRedis } from "./private-servers.js";
import { buildConnector, Collector, FaultSink, run, waitUntil } from "./support.js";

const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "herald-cfault-"));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `herald serve` as a child process; resolves with its port once it listens. */
function serve(config: string, port: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", MAIN, "serve", "--config", config, "--port", String(port)],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, HERALD_LOG_LEVEL: "warn" },
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr?.on("data", (d) => {
      err += d;
    });
    child.stdout?.on("data", (d) => {
      out += d;
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code}) before listening: ${err}`)));
    setTimeout(() => reject(new Error(`herald serve did not listen within 60 s: ${err}`)), 60_000).unref();
  });
}

async function sigkill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

/** The `n` of every event in a topic's history, in history order. */
async function historyNs(port: number, topic: string): Promise<number[]> {
  const out: number[] = [];
  let since = 0;
  for (;;) {
    let body: Record<string, unknown>;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/topics/${topic}/history?since=${since}&limit=1000`, {
        signal: AbortSignal.timeout(5000), // a stalled server must not stall the wait around this
      });
      if (res.status !== 200) return out;
      body = (await res.json()) as Record<string, unknown>;
    } catch {
      return out;
    }
    const events = body.events as Array<{ seq: number; data: { n: number } }>;
    if (events.length === 0) return out;
    for (const e of events) out.push(e.data.n);
    since = (events[events.length - 1] as { seq: number }).seq;
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("connector faults", () => {
  it("redis-stream: Redis and Herald killed mid-stream, every entry reaches subscribers once, in order", async () => {
    const redisServer = await startRedis();
    const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    redis.on("error", () => {});
    try {
      const config = join(dir, "redis-herald.json");
      writeFileSync(
        config,
        JSON.stringify({
          server: { host: "127.0.0.1" },
          store: { path: join(dir, "redis-herald.db") },
          namespaces: [{ prefix: "f", durable: true, history: { size: 100000, ttlSeconds: 0 } }],
          connectors: [
            {
              type: "redis-stream",
              name: "src",
              topic: "f.{fields.key}",
              reconnect: { initialMs: 50, maxMs: 500 },
              options: { url: redisServer.url, streams: ["s"], startId: "0", blockMs: 100, consumer: "node-1" },
            },
          ],
        }),
      );
      const keys = ["a", "b", "c"];
      const perKey = 200;
      // Explicit entry ids make a retried XADD (after a kill cut its answer) idempotent.
      let i = 0;
      const produce = async (upto: number) => {
        const deadline = Date.now() + 60_000;
        while (i < upto) {
          if (Date.now() > deadline) throw new Error(`timed out producing entry ${i + 1} of ${upto} into Redis`);
          const key = keys[i % keys.length] as string;
          const n = Math.floor(i / keys.length) + 1;
          try {
            await redis.xadd("s", `${i + 1}-1`, "key", key, "data", JSON.stringify({ key, n }));
            i++;
          } catch (err) {
            if (String(err).includes("equal or smaller")) i++;
            else await new Promise((r) => setTimeout(r, 20)); // Redis is restarting
          }
        }
      };
      let herald = await serve(config, 0);
      const port = herald.port;
      await produce(150);
      await waitUntilAsync(async () => (await historyNs(port, "f.a")).length >= 10, "Herald to publish some entries");
      await sigkill(herald.child); // offers in flight, entries read but not acknowledged
      await produce(300);
      herald = await serve(config, port);
      await redisServer.kill(); // the source dies mid-stream
      await redisServer.start();
      await produce(keys.length * perKey);
      for (const key of keys) {
        await waitUntilAsync(
          async () => (await historyNs(port, `f.${key}`)).length >= perKey,
          `${perKey} events on f.${key}`,
        );
        assert.deepEqual(await historyNs(port, `f.${key}`), range(perKey), `f.${key}: each entry once, in order`);
      }
      await sigkill(herald.child);
    } finally {
      redis.disconnect();
      await redisServer.stop();
    }
  });

  for (const source of ["nats-jetstream", "pg-logical"] as const) {
    it(`${source}: the source killed mid-stream and restarted, every message reaches subscribers once, in order`, async () => {
      const g = await startGateway({});
      const seen = new Collector(g.gateway, "k");
      const sink = new FaultSink(new Ingest((r, ctx) => g.gateway.core.publish(r, ctx), new MemoryDeadLetterStore()));
      sink.delayMs = 2; // the connector is behind the producer when the source dies
      const server = source === "pg-logical" ? await startPostgres({ logical: true }) : await startNats();
      const perKey = 100;
      const keys = ["a", "b"];
      let produce: (from: number, to: number) => Promise<void>;
      let close: () => Promise<void>;
      let options: Record<string, unknown>;
      if (source === "pg-logical") {
        const pool = new pg.Pool({ connectionString: server.url, max: 1 });
        pool.on("error", () => {});
        await pool.query("CREATE TABLE changes (seq INT PRIMARY KEY, key TEXT NOT NULL, n INT NOT NULL)");
        options = { url: server.url, tables: ["changes"], keyColumns: ["key"] };
        produce = async (from, to) => {
          const deadline = Date.now() + 60_000;
          for (let i = from; i < to; i++) {
            for (;;) {
              if (Date.now() > deadline) throw new Error(`timed out inserting row ${i} into Postgres`);
              try {
                const key = keys[i % keys.length] as string;
                await pool.query("INSERT INTO changes VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [
                  i,
                  key,
                  Math.floor(i / keys.length) + 1,
                ]);
                break;
              } catch {
                await new Promise((r) => setTimeout(r, 50)); // Postgres is restarting
              }
            }
          }
        };
        close = () => pool.end();
      } else {
        const nc = await connect({
          servers: server.url,
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 100,
        });
        const jsm = await jetstreamManager(nc);
        await jsm.streams.add({ name: "K", subjects: ["k.>"] });
        const js = jetstream(nc);
        options = { servers: server.url, stream: "K", ackWaitMs: 2000 };
        produce = async (from, to) => {
          const deadline = Date.now() + 60_000;
          for (let i = from; i < to; i++) {
            for (;;) {
              if (Date.now() > deadline) throw new Error(`timed out publishing message ${i} to JetStream`);
              try {
                const key = keys[i % keys.length] as string;
                // The message id makes a retried publish a JetStream duplicate, stored once.
                await js.publish(`k.${key}`, JSON.stringify({ key, n: Math.floor(i / keys.length) + 1 }), {
                  msgID: `m${i}`,
                });
                break;
              } catch {
                await new Promise((r) => setTimeout(r, 50)); // NATS is restarting
              }
            }
          }
        };
        close = () => nc.close();
      }
      const connector = await buildConnector(g.gateway, {
        type: source,
        name: "src",
        topic: "k.{data.key}",
        reconnect: { initialMs: 50, maxMs: 500 },
        options,
      });
      try {
        await run(connector, sink, new MemoryCheckpointStore());
        const total = keys.length * perKey;
        await produce(0, total / 2);
        await waitUntil(() => seen.events.length >= 10, "some events before the kill");
        await server.kill();
        await server.start();
        await produce(total / 2, total);
        await waitUntil(() => seen.events.length >= total, `${total} events after the restart`, 60_000);
        for (const key of keys) assert.deepEqual(seen.numbers(key), range(perKey), `key ${key}: each once, in order`);
        assert.ok(connector.health().reconnects >= 1, "the connector reconnected");
      } finally {
        await connector.stop();
        await close();
        await g.close();
        await server.stop();
      }
    });
  }
});

async function waitUntilAsync(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
