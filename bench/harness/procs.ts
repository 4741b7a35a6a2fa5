/**
 * Child processes of a bench run: server processes pinned to one core, client workers pinned to
 * another (`taskset`), each with a raised open-file limit (`prlimit`), each with an IPC channel.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  isHerald,
  type ServerCommand,
  type ServerKind,
  type ServerReport,
  type WorkerCommand,
  type WorkerReport,
} from "./messages.js";

const TSX = import.meta.resolve("tsx");
const NOFILE = 200_000;

function has(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;
}

/**
 * Whether the open-file limit can be raised (root with CAP_SYS_RESOURCE). Where it cannot, Node
 * still lifts its soft limit to the hard one at start, which is what the children then get.
 */
function canRaiseNofile(): boolean {
  return (
    has("prlimit") && spawnSync("prlimit", [`--nofile=${NOFILE}:${NOFILE}`, "true"], { stdio: "ignore" }).status === 0
  );
}

const tools = { taskset: has("taskset"), prlimit: canRaiseNofile() };

export interface Pinning {
  /** Core for server processes, or undefined to leave scheduling to the OS. */
  server: number | undefined;
  /** Core for the coordinator, publisher and client workers. */
  clients: number | undefined;
}

/** Pins this process (the coordinator and its publisher) to `core`. */
export function pinSelf(core: number | undefined): void {
  if (core === undefined || !tools.taskset) return;
  spawnSync("taskset", ["-a", "-p", "-c", String(core), String(process.pid)], { stdio: "ignore" });
}

function launch(file: string, args: string[], core: number | undefined, nodeArgs: string[]): ChildProcess {
  let cmd = [process.execPath, ...nodeArgs, "--import", TSX, file, ...args];
  if (core !== undefined && tools.taskset) cmd = ["taskset", "-c", String(core), ...cmd];
  if (tools.prlimit) cmd = ["prlimit", `--nofile=${NOFILE}:${NOFILE}`, ...cmd];
  return spawn(cmd[0] as string, cmd.slice(1), {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, HERALD_LOG_LEVEL: "silent" },
  });
}

/** Resolves with the next IPC message of `type` from `child`. */
function next<T extends { type: string }>(child: ChildProcess, type: T["type"], timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`no "${type}" from process ${child.pid} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (m: T) => {
      if (m.type === type) done(undefined, m);
    };
    const onExit = (code: number | null) => done(new Error(`process ${child.pid} exited (${code}) before "${type}"`));
    function done(err: Error | undefined, m?: T) {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (err) reject(err);
      else resolve(m as T);
    }
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

const SERVER_FILES: Record<ServerKind, string> = {
  herald: "./herald-server.ts",
  "herald-durable": "./herald-server.ts",
  "herald-deflate": "./herald-server.ts",
  "ws-raw": "../baselines/ws-raw.ts",
  "ws-cork": "../baselines/ws-cork.ts",
  socketio: "../baselines/socketio.ts",
};

export type ServerStats = Extract<ServerReport, { type: "stats" }>;

/** What the runner needs from a server under test. */
export interface ServerHandle {
  readonly kind: ServerKind;
  /** ws:// URL the clients connect to (Socket.IO takes the http:// origin). */
  readonly url: string;
  stats(gc: boolean): Promise<ServerStats>;
  stop(): Promise<void>;
}

/** A server process under test. */
export class ServerProcess implements ServerHandle {
  private constructor(
    readonly kind: ServerKind,
    readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(kind: ServerKind, core: number | undefined, cpuProf?: string): Promise<ServerProcess> {
    const nodeArgs = ["--expose-gc"];
    if (cpuProf !== undefined) nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${cpuProf}`);
    const file = fileURLToPath(new URL(SERVER_FILES[kind], import.meta.url));
    const mode = kind === "herald-durable" ? ["durable"] : kind === "herald-deflate" ? ["deflate"] : [];
    const child = launch(file, ["0", ...mode], core, nodeArgs);
    const { port } = await next<Extract<ServerReport, { type: "listening" }>>(child, "listening", 60_000);
    return new ServerProcess(kind, child, port);
  }

  /** ws:// URL the clients connect to (Socket.IO takes the http:// origin). */
  get url(): string {
    return this.kind === "socketio"
      ? `http://127.0.0.1:${this.port}`
      : `ws://127.0.0.1:${this.port}${isHerald(this.kind) ? "/ws" : "/"}`;
  }

  stats(gc: boolean): Promise<ServerStats> {
    const p = next<ServerStats>(this.child, "stats");
    this.child.send({ cmd: "stats", gc } satisfies ServerCommand);
    return p;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.send({ cmd: "stop" } satisfies ServerCommand);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}

const CLOCK_TICK_US = 10_000; // USER_HZ is 100 on Linux

/**
 * A Herald that is already running (`--target`), measured from outside: CPU time and RSS from
 * `/proc/<pid>` when its pid is given (same machine), zeros otherwise; no forced GC.
 */
export class ExternalServer implements ServerHandle {
  readonly kind: ServerKind = "herald";

  constructor(
    readonly url: string,
    private readonly pid: number | undefined,
  ) {}

  async stats(): Promise<ServerStats> {
    if (this.pid === undefined) return { type: "stats", cpuUserUs: 0, cpuSystemUs: 0, rss: 0, heapUsed: 0 };
    const stat = readFileSync(`/proc/${this.pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): utime is the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${this.pid}/status`, "utf8"))?.[1] ?? 0);
    return {
      type: "stats",
      cpuUserUs: Number(fields[11]) * CLOCK_TICK_US,
      cpuSystemUs: Number(fields[12]) * CLOCK_TICK_US,
      rss: rssKb * 1024,
      heapUsed: 0,
    };
  }

  async stop(): Promise<void> {}
}

/** A load-generator process holding some of the connections. */
export class WorkerProcess {
  private constructor(readonly child: ChildProcess) {}

  /** Starts a worker and waits until it is loaded, so its start-up is not timed as connecting. */
  static async start(core: number | undefined): Promise<WorkerProcess> {
    const file = fileURLToPath(new URL("./client-worker.ts", import.meta.url));
    const child = launch(file, [], core, ["--max-old-space-size=4096"]);
    await next(child, "ready", 60_000);
    return new WorkerProcess(child);
  }

  ask<T extends WorkerReport>(cmd: WorkerCommand, type: T["type"], timeoutMs?: number): Promise<T> {
    const p = next<T>(this.child, type, timeoutMs);
    this.child.send(cmd);
    return p;
  }

  tell(cmd: WorkerCommand): void {
    this.child.send(cmd);
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    await this.ask({ cmd: "close" }, "closed", 10_000).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  }
}
