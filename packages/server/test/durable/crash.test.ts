/**
 * Crash test: the real server (`herald serve`) as a child process with a durable namespace on
 * a SQLite file. A publisher posts events over HTTP while a WebSocket client follows the
 * topic; the server is killed with SIGKILL mid-stream and restarted on the same file (on a
 * fresh port: re-binding the old one would race with other test files for it). Every
 * acknowledged event must be in history after the restart, in order, with the same epoch,
 * and the client must recover across the crash with no gap.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";
import { type Frame, getJson, TestClient } from "../helpers.js";
import { waitFor } from "../wait-for.js";

const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "herald-crash-"));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `herald serve` and resolves with its port once it prints that it listens. */
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
  });
}

async function publish(port: number, n: number): Promise<{ seq: number; epoch: string } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/publish`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic: "orders.eu", data: { n }, id: `order-${n}` }),
    });
    if (res.status !== 200) return undefined;
    return (await res.json()) as { seq: number; epoch: string };
  } catch {
    return undefined; // refused or cut: not acknowledged
  }
}

it("keeps every acknowledged event across SIGKILL, and a client recovers with no gap", async () => {
  const config = join(dir, "herald.json");
  writeFileSync(
    config,
    JSON.stringify({
      server: { host: "127.0.0.1" },
      store: { path: join(dir, "herald.db") },
      namespaces: [{ prefix: "orders", durable: true, history: { size: 10000, ttlSeconds: 0 } }],
    }),
  );
  let server = await serve(config, 0);
  let port = server.port;

  let client = await TestClient.connect(`ws://127.0.0.1:${port}/ws`);
  const sub = await client.request({ type: "subscribe", topic: "orders.eu" });
  assert.equal(sub.type, "ack");
  const epoch = sub.epoch as string;

  // Publish with a few in flight; kill the server once 150 are acknowledged.
  const acked = new Map<number, number>(); // n -> seq
  let n = 0;
  let killed = false;
  const publisher = async () => {
    while (!killed) {
      const mine = ++n;
      const r = await publish(port, mine);
      if (r !== undefined) {
        assert.equal(r.epoch, epoch);
        acked.set(mine, r.seq);
      }
    }
  };
  const running = [publisher(), publisher(), publisher(), publisher()];
  await waitFor(() => acked.size >= 150, {
    what: "150 acknowledged publishes before the kill",
    interval: 2,
    timeout: 30_000,
  });
  server.child.kill("SIGKILL");
  await new Promise((r) => server.child.once("exit", r));
  killed = true;
  await Promise.all(running);
  await client.closed;

  const received: Frame[] = client.frames.filter((f) => f.type === "event");
  const lastSeen = received.length === 0 ? 0 : (received[received.length - 1]?.seq as number);

  server = await serve(config, 0);
  port = server.port;
  // The publisher goes on after the restart; ids it sent before are not delivered again.
  for (let i = 0; i < 20; i++) {
    const r = await publish(port, ++n);
    assert.ok(r, "publish after restart is acknowledged");
    acked.set(n, r.seq);
  }
  const replayed = await publish(port, 1);
  assert.equal((replayed as unknown as { duplicate: boolean }).duplicate, true, "ids survive the restart");

  const history = await getJson(`http://127.0.0.1:${port}/api/topics/orders.eu/history?limit=10000`);
  assert.equal(history.body.epoch, epoch, "same epoch after the crash");
  const events = history.body.events as Array<{ seq: number; data: { n: number }; epoch: string }>;
  assert.deepEqual(
    events.map((e) => e.seq),
    Array.from({ length: events.length }, (_, i) => i + 1),
    "history is gap-free and in order",
  );
  const bySeq = new Map(events.map((e) => [e.seq, e.data.n]));
  for (const [num, seq] of acked)
    assert.equal(bySeq.get(seq), num, `acknowledged event ${num} is in history at seq ${seq}`);

  // The client resumes from the last event it saw: exactly the rest, nothing missing.
  client = await TestClient.connect(`ws://127.0.0.1:${port}/ws`);
  const resumed = await client.request({ type: "subscribe", topic: "orders.eu", since: { epoch, seq: lastSeen } });
  assert.equal(resumed.recovered, true);
  const total = events.length;
  const rest = await client.events(total - lastSeen);
  assert.deepEqual(
    [...received, ...rest].map((f) => f.seq),
    Array.from({ length: total }, (_, i) => i + 1),
  );
  client.close();
  server.child.kill("SIGTERM");
  await new Promise((r) => server.child.once("exit", r));
});
