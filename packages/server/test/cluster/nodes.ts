/**
 * Real gateway nodes as child processes (`herald serve` through tsx) on the Redis engine, for
 * multi-node and fault tests. Each node listens on an ephemeral port it prints at start.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

export interface NodeProcess {
  url: string;
  wsUrl: string;
  proc: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Config files written by this process, deleted when it exits (nodes read them at start only). */
const written = new Set<string>();
process.once("exit", () => {
  for (const path of written) rmSync(path, { force: true });
});

/** Writes a config file for nodes acting as one under `keyPrefix`; it is deleted when the test process exits. */
export function writeNodeConfig(keyPrefix: string, extra: Record<string, unknown> = {}): string {
  const path = join(tmpdir(), `herald-${keyPrefix}-${Math.random().toString(36).slice(2, 8)}.json`);
  written.add(path);
  const config = {
    engine: { type: "redis", keyPrefix },
    log: { level: "silent" },
    timeouts: { shutdownMs: 200 },
    ...extra,
  };
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** Starts `herald serve --workers 1` with `configPath`; resolves once it listens. */
export async function startNode(configPath: string): Promise<NodeProcess> {
  const proc = spawn(
    process.execPath,
    ["--import", "tsx", MAIN, "serve", "--config", configPath, "--port", "0", "--host", "127.0.0.1", "--workers", "1"],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, HERALD_LOG_LEVEL: "silent" } },
  );
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  let err = "";
  proc.stderr?.on("data", (d) => {
    err += String(d);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout?.on("data", (d) => {
      out += String(d);
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    proc.once("exit", (code) => reject(new Error(`node exited (${code}) before listening: ${err}`)));
  });
  return {
    url,
    wsUrl: `${url.replace("http", "ws")}/ws`,
    proc,
    exited,
    async kill(signal: NodeJS.Signals = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

/** Starts `n` nodes at once; when one fails, stops the others before rethrowing. */
export async function startNodes(configPath: string, n: number): Promise<NodeProcess[]> {
  const results = await Promise.allSettled(Array.from({ length: n }, () => startNode(configPath)));
  const failed = results.find((r) => r.status === "rejected");
  if (failed !== undefined) {
    await Promise.all(results.map((r) => (r.status === "fulfilled" ? r.value.kill("SIGKILL") : undefined)));
    throw failed.reason;
  }
  return results.map((r) => (r as PromiseFulfilledResult<NodeProcess>).value);
}
