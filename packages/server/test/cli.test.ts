// The `herald` command as a user runs it: real child processes against a real gateway. Bad
// usage and bad configuration are in cli-usage.test.ts (split to keep each file short in time).
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { JwtAuthenticator } from "../src/auth/jwt.js";
import { getJson, type Running, startGateway, TestClient } from "./helpers.js";
import { HERALD } from "./herald-command.js";
import { waitFor } from "./wait-for.js";

const secret = "cli-test-secret-0123456789abcdefgh";

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...HERALD, ...args], { env: { ...process.env, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return once(child, "close").then(([code]) => ({ code: code as number, stdout, stderr }));
}

/** Collects stdout lines of a long-running child. */
function lines(child: ChildProcess): { lines: string[]; waitFor(n: number): Promise<string[]>; err: () => string } {
  const out: string[] = [];
  let err = "";
  let buf = "";
  child.stdout?.on("data", (d) => {
    buf += d;
    const parts = buf.split("\n");
    buf = parts.pop() ?? "";
    out.push(...parts.filter((l) => l.length > 0));
  });
  child.stderr?.on("data", (d) => (err += d));
  return {
    lines: out,
    err: () => err,
    async waitFor(n: number) {
      await waitFor(() => out.length >= n, { what: () => `${n} lines of output (stderr: ${err})`, timeout: 30_000 });
      return out.slice(0, n);
    },
  };
}

describe("herald CLI", () => {
  let g: Running;
  before(async () => {
    g = await startGateway({ auth: { jwtSecret: secret } });
  });
  after(() => g.close());

  it("token mints a JWT the gateway accepts", async () => {
    const r = await run(["token", "alice", "--ttl", "60", "--claim", 'roles=["admin"]'], { HERALD_JWT_SECRET: secret });
    assert.equal(r.code, 0, r.stderr);
    const principal = await new JwtAuthenticator({ secret }).authenticate(r.stdout.trim());
    assert.equal(principal.user, "alice");
    assert.deepEqual(principal.claims.roles, ["admin"]);
  });

  it("publish sends one event over HTTP and prints the position", async () => {
    const r = await run(["publish", "cli.topic", '{"n":1}', "--url", g.url, "--event", "hello"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).seq, 1);
    const h = await getJson(`${g.url}/api/topics/cli.topic/history`);
    const events = h.body.events as Array<{ event: string; data: unknown }>;
    assert.deepEqual([events[0]?.event, events[0]?.data], ["hello", { n: 1 }]);
  });

  it("tail prints events live and resumes from --since", async () => {
    const child = spawn(process.execPath, [...HERALD, "tail", "tail.>", "--url", g.wsUrl]);
    try {
      const out = lines(child);
      // Publishing before the subscription is live would lose events: wait for tail to say so.
      await waitFor(() => out.err().includes("# subscribed"), { what: "tail to print # subscribed", timeout: 30_000 });
      for (let i = 1; i <= 3; i++) await g.gateway.publish("tail.x", { i });
      const got = (await out.waitFor(3)).map((l) => JSON.parse(l));
      assert.deepEqual(
        got.map((e) => e.data.i),
        [1, 2, 3],
      );
      const first = got[0];
      child.kill();
      const resumed = spawn(process.execPath, [
        ...HERALD,
        "tail",
        "tail.x",
        "--url",
        g.wsUrl,
        "--since",
        `${first.epoch}:${first.seq}`,
      ]);
      try {
        const r = lines(resumed);
        const again = (await r.waitFor(2)).map((l) => JSON.parse(l));
        assert.deepEqual(
          again.map((e) => e.seq),
          [2, 3],
        );
      } finally {
        resumed.kill();
      }
    } finally {
      child.kill();
    }
  });

  it("serve reads a YAML config file and shuts down gracefully on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-cli-"));
    const file = join(dir, "herald.yaml");
    writeFileSync(file, "server:\n  port: 0\n  host: 127.0.0.1\nlog:\n  level: warn\ntimeouts:\n  shutdownMs: 500\n");
    const child = spawn(process.execPath, [...HERALD, "serve", "--config", file]);
    try {
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      await waitFor(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(out), {
        what: "serve to print the address it listens on",
        timeout: 30_000,
      });
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
      assert.ok(port > 0, out);
      const c = await TestClient.connect(`ws://127.0.0.1:${port}/ws`);
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const d = await c.next("disconnect");
      assert.deepEqual([d.code, d.reconnect], [1001, true]);
      const [code] = await exited;
      assert.equal(code, 0);
    } finally {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
