/**
 * A private `redis-server` for fault tests (restarts, kills, stalls) that must never touch the
 * shared Redis at 6379. It is a child of the test process, tied to its lifetime twice over: the
 * kernel kills it when the test process dies, even by SIGKILL (`setpriv --pdeathsig`), and an
 * `exit` hook kills it when the process ends normally with the instance still running.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { reservedClosedPort } from "./ports.js";

/** Whether `setpriv --pdeathsig` exists here (util-linux); without it only the exit hook guards. */
const hasSetpriv = spawnSync("setpriv", ["--version"]).status === 0;
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Whether `taskset` exists here (util-linux), to pin a server to one core. */
export const hasTaskset = spawnSync("taskset", ["-V"]).status === 0;

/**
 * Spawns a server child tied to this process's lifetime (`setpriv --pdeathsig` where there, and
 * the exit hook) and resolves once its output contains `ready`; rejects with its output if it
 * exits before.
 */
export async function spawnReady(command: string[], ready: string, what: string): Promise<ChildProcess> {
  const full = hasSetpriv ? ["setpriv", "--pdeathsig", "SIGKILL", ...command] : command;
  const child = spawn(full[0] as string, full.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let log = "";
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes(ready)) {
        child.stdout?.off("data", onData);
        child.off("exit", onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) => reject(new Error(`${what} exited (${code}) before it was ready: ${log}`));
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (c: Buffer) => {
      log += c.toString();
    });
    child.once("exit", onExit);
  });
  child.stdout?.resume();
  return child;
}

export interface PrivateRedisOptions {
  /** More `redis-server` arguments (e.g. `--replicaof 127.0.0.1 <port>`). */
  args?: string[];
  /** A core to pin the server to (`taskset`, when there): for benchmarks. */
  cpu?: number;
}

/** A redis-server on a port this test reserved, nothing persisted, in a temporary directory. */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "herald-redis-"));

  private constructor(
    readonly port: number,
    private readonly options: PrivateRedisOptions,
  ) {}

  /** Reserves a port and starts the server on it. */
  static async start(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await reservedClosedPort(), options);
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get isUp(): boolean {
    return this.child !== undefined;
  }

  /** Starts the server again (empty, as nothing is persisted); resolves once it accepts connections. */
  async up(): Promise<void> {
    if (this.child) return;
    const args = ["--bind", "127.0.0.1", "--port", String(this.port), "--save", "", "--appendonly", "no"];
    args.push("--dir", this.dir, ...(this.options.args ?? []));
    const command = ["redis-server", ...args];
    if (this.options.cpu !== undefined && hasTaskset) command.unshift("taskset", "-c", String(this.options.cpu));
    this.child = await spawnReady(command, "Ready to accept connections", `private redis-server on port ${this.port}`);
  }

  /** Stops the server abruptly (SIGKILL: its data is gone); resolves once the process has exited. */
  async down(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    }
  }

  /** Stalls the server (SIGSTOP): connections stay open, nothing is answered. */
  stall(): void {
    this.child?.kill("SIGSTOP");
  }

  /** Resumes a stalled server (SIGCONT). */
  resume(): void {
    this.child?.kill("SIGCONT");
  }

  /** A plain client for the test's own commands (CLIENT KILL, reads). */
  client(): Redis {
    const r = new Redis(this.url, { maxRetriesPerRequest: 1 });
    r.on("error", () => {});
    return r;
  }

  /** Stops the server and deletes its directory. */
  async close(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
