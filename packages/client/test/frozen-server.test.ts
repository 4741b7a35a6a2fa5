/**
 * A gateway process that stops answering (SIGSTOP: TCP still accepted by the kernel, nothing
 * answered): the client notices through its ping (no pong in time), gives up on connection
 * attempts that never complete (connect timeout) and, once the process runs again (SIGCONT),
 * reconnects and resumes its subscription exactly.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { after, test } from "node:test";
import { HERALD } from "../../server/test/herald-command.js";
import type { HeraldEvent } from "../src/index.js";
import { testClient, until } from "./support.js";

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function serveInChild(): Promise<{ child: ChildProcess; wsUrl: string }> {
  const child = spawn(process.execPath, [...HERALD, "serve", "--port", "0", "--host", "127.0.0.1"], {
    // The test client publishes without a token.
    env: { ...process.env, HERALD_LOG_LEVEL: "silent", HERALD_ANONYMOUS_PUBLISH: "true" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanups.push(async () => {
    if (child.exitCode !== null) return;
    child.kill("SIGCONT");
    child.kill("SIGKILL");
    await once(child, "exit");
  });
  let out = "";
  child.stdout?.on("data", (chunk) => {
    out += String(chunk);
  });
  await until(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(out), "the gateway process to listen", 30_000);
  const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
  return { child, wsUrl: `ws://127.0.0.1:${port}/ws` };
}

test("a frozen server: pong and connect timeouts, then exact resumption when it runs again", async () => {
  const { child, wsUrl } = await serveInChild();
  const client = testClient(wsUrl, {
    pingIntervalMs: 100,
    pongTimeoutMs: 200,
    connectTimeoutMs: 300,
    backoff: { minMs: 10, maxMs: 50 },
  });
  cleanups.push(() => client.close());
  const reasons: string[] = [];
  let connects = 0;
  client.on("state", (s) => {
    if (s.status === "disconnected" && s.reason.kind === "timeout") reasons.push(s.reason.what);
    if (s.status === "connected") connects++;
  });
  const got: HeraldEvent<{ i: number }>[] = [];
  const resets: unknown[] = [];
  const sub = client.subscribe<{ i: number }>("frozen.feed");
  sub.on("event", (e) => got.push(e));
  sub.on("reset", (r) => resets.push(r));
  client.connect();
  await until(() => sub.status === "subscribed", "subscribed");

  const publisher = testClient(wsUrl, { pingIntervalMs: 0 }).connect();
  cleanups.push(() => publisher.close());
  for (let i = 0; i < 20; i++) await publisher.publish("frozen.feed", { i });
  await until(() => got.length === 20, "the first 20 events");

  child.kill("SIGSTOP");
  await until(() => reasons.includes("pong"), "a pong timeout");
  await until(() => reasons.includes("connect"), "a connect timeout while the server is frozen");
  const publishing = Array.from({ length: 20 }, (_, k) =>
    publisher.publish("frozen.feed", { i: 20 + k }, { timeoutMs: 30_000 }),
  );
  child.kill("SIGCONT");
  await Promise.all(publishing);
  await until(() => got.length >= 40, "the events published around the freeze");
  assert.deepEqual(
    got.map((e) => e.data.i),
    Array.from({ length: 40 }, (_, i) => i),
  );
  assert.deepEqual(resets, [], "same process: recovery is exact");
  assert.ok(connects >= 2);
});
