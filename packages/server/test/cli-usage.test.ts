// The `herald` command refusing bad usage and bad configuration, as a user runs it: real child
// processes, each checked for its exit code (2: usage, 78: configuration) and its message.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { HERALD } from "./herald-command.js";

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

describe("herald CLI usage", () => {
  it("rejects bad usage and bad configuration with clear messages and exit codes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-cli-"));
    try {
      writeFileSync(join(dir, "bad.yaml"), "limits:\n  maxFrameBytes: 10\n  bogus: 1\n");
      // Independent processes: run together, so the file takes one process start, not five.
      const [usage, missingArg, env, bad, missingFile] = await Promise.all([
        run(["frobnicate"]),
        run(["publish", "only-topic"]),
        run(["serve"], { HERALD_PORT: "not-a-port" }),
        run(["serve", "--config", join(dir, "bad.yaml")]),
        run(["serve", "--config", join(dir, "nope.yaml")]),
      ]);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /unknown command "frobnicate"/);
      assert.equal(missingArg.code, 2);
      assert.match(missingArg.stderr, /usage/);
      assert.equal(env.code, 78);
      assert.match(env.stderr, /HERALD_PORT must be an integer/);
      assert.equal(bad.code, 78);
      assert.match(bad.stderr, /config\.limits\.maxFrameBytes must be >= 1024/);
      assert.match(bad.stderr, /unknown option "bogus"/);
      assert.equal(missingFile.code, 78);
      assert.match(missingFile.stderr, /cannot read config file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
