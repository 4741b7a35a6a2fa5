/**
 * The `herald` command when things go wrong: per-command help, --version, check-config, one-line
 * failures with the exit codes of docs/cli.md (no stack traces), tail refused by the server,
 * publish refusing invalid JSON, and SIGTERM while stdout is a closed pipe.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { mintToken } from "../src/auth/jwt.js";
import { runCli } from "../src/cli/cli.js";
import { getJson, type Running, startGateway } from "./helpers.js";
import { HERALD } from "./herald-command.js";

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process (what `bin/herald.js` runs, minus the process exit). */
async function herald(args: string[]): Promise<Result> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** A failure is one `herald: …` line (plus usage for usage errors) and never a stack trace. */
function assertOneLine(r: Result, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`);
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("herald: "));
  assert.equal(lines.length, 1, `one herald: line in ${r.stderr}`);
  assert.match(lines[0] ?? "", pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
}

/** A TCP port that was free a moment ago (bound and closed by this test). */
async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = (s.address() as { port: number }).port;
  s.close();
  await once(s, "close");
  return port;
}

const secret = "cli-failures-secret-0123456789abcdef";
const version = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version as string;

describe("herald CLI failures", () => {
  let g: Running;
  let dir: string;
  before(async () => {
    g = await startGateway({ auth: { jwtSecret: secret, anonymous: false }, timeouts: { authMs: 300 } });
    dir = mkdtempSync(join(tmpdir(), "herald-cli-failures-"));
  });
  after(async () => {
    await g.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("--version prints the package version", async () => {
    const r = await herald(["--version"]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${version}\n`);
  });

  it("every command answers --help with its own usage", async () => {
    for (const command of ["serve", "publish", "tail", "token", "check-config"]) {
      const r = await herald([command, "--help"]);
      assert.equal(r.code, 0, `${command} --help`);
      assert.match(r.stdout, new RegExp(`^usage: herald ${command} `), command);
    }
  });

  it("check-config accepts a valid file and refuses an invalid one with exit 78", async () => {
    const good = join(dir, "good.yaml");
    writeFileSync(good, "server:\n  port: 9999\n");
    const ok = await herald(["check-config", good]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, `${good}: ok\n`);
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "server:\n  port: nope\n");
    assertOneLine(await herald(["check-config", bad]), 78, /invalid configuration: .*server\.port/);
  });

  it("serve --port abc is a usage error (exit 2)", async () => {
    assertOneLine(await herald(["serve", "--port", "abc"]), 2, /--port must be 0–65535, got "abc"/);
  });

  it("serve on a port in use exits 69 with one line (a real process)", async () => {
    const port = new URL(g.url).port;
    const child = spawn(process.execPath, [...HERALD, "serve", "--port", port, "--host", "127.0.0.1"]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const [code] = await once(child, "exit");
    assertOneLine({ code: code as number, stdout, stderr }, 69, /already in use/);
  });

  it("publish to an unreachable server exits 69 with one line", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    assertOneLine(await herald(["publish", "t.x", "1", "--url", url]), 69, /cannot reach .*ECONNREFUSED/);
  });

  it("publish refuses invalid JSON (exit 2) and sends it as a string with --raw", async () => {
    const refused = await herald(["publish", "cli.raw", "{bad", "--url", g.url]);
    assertOneLine(refused, 2, /DATA is not valid JSON/);
    const raw = await herald(["publish", "cli.raw", "{bad", "--raw", "--url", g.url]);
    assert.equal(raw.code, 0, raw.stderr);
    const body = (await getJson(`${g.url}/api/topics/cli.raw/history`)).body as { events: { data: unknown }[] };
    assert.deepEqual(
      body.events.map((e) => e.data),
      ["{bad"],
      "only the --raw publish reached the topic",
    );
  });

  it("tail with a bad token exits 3 at once", async () => {
    const r = await herald(["tail", "t.>", "--url", g.wsUrl, "--token", "not-a-token"]);
    assertOneLine(r, 3, /closed for good: 4500/);
  });

  it("tail without a token against a server requiring auth exits 3 on the 4501 close", async () => {
    const r = await herald(["tail", "t.>", "--url", g.wsUrl, "--token", ""]);
    assertOneLine(r, 3, /closed for good: 4501/);
  });

  it("tail with a valid token still works against the same server", async () => {
    const token = await mintToken(secret, "alice");
    const child = spawn(process.execPath, [...HERALD, "tail", "user.alice", "--url", g.wsUrl, "--token", token]);
    try {
      let err = "";
      child.stderr.on("data", (d) => (err += d));
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no "# subscribed" line; stderr: ${err}`)), 30_000);
        child.stderr.on("data", () => {
          if (err.includes("# subscribed to user.alice")) {
            clearTimeout(t);
            resolve();
          }
        });
      });
    } finally {
      child.kill();
    }
  });

  it("serve logs JSON lines with pid and node, and exits on SIGTERM after its stdout reader went away", async () => {
    const child = spawn(process.execPath, [...HERALD, "serve", "--port", "0", "--host", "127.0.0.1"], {
      env: { ...process.env, HERALD_LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "ignore"],
    });
    try {
      let out = "";
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 60_000);
        child.stdout.on("data", (d) => {
          out += d;
          if (/listening on http.*\n/.test(out)) {
            clearTimeout(t);
            resolve();
          }
        });
      });
      // Startup output is JSON only, each line naming its process and node.
      for (const line of out.split("\n").filter((l) => l.length > 0)) {
        const entry = JSON.parse(line) as { pid?: unknown; node?: unknown };
        assert.equal(entry.pid, child.pid, line);
        assert.equal(typeof entry.node, "string", line);
      }
      // Like `herald serve | head -1`: the reader is gone, later log lines hit a closed pipe.
      child.stdout.destroy();
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code, signal] = await Promise.race([
        exited,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no exit 20 s after SIGTERM")), 20_000)),
      ]);
      assert.deepEqual([code, signal], [0, null]);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
