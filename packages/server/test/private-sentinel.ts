/**
 * A private Redis Sentinel watching a private master, for failover tests: a `redis-server
 * --sentinel` child on a port this test reserved, with its own (writable) configuration file,
 * tied to the test process's lifetime like `PrivateRedis` (`spawnReady`).
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { reservedClosedPort } from "./ports.js";
import { spawnReady } from "./private-redis.js";

export interface SentinelOptions {
  /** The master group's name. @default "herald" */
  name?: string;
  /** `down-after-milliseconds`: how long the master may not answer before it is down. @default 400 */
  downAfterMs?: number;
}

export class PrivateSentinel {
  private readonly dir = mkdtempSync(join(tmpdir(), "herald-sentinel-"));
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly name: string,
  ) {}

  /** Starts a Sentinel (quorum 1) monitoring the master at 127.0.0.1:`masterPort`. */
  static async start(masterPort: number, options: SentinelOptions = {}): Promise<PrivateSentinel> {
    const s = new PrivateSentinel(await reservedClosedPort(), options.name ?? "herald");
    const conf = join(s.dir, "sentinel.conf");
    writeFileSync(
      conf,
      [
        `port ${s.port}`,
        "bind 127.0.0.1",
        `dir ${s.dir}`,
        `sentinel monitor ${s.name} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${s.name} ${options.downAfterMs ?? 400}`,
        `sentinel failover-timeout ${s.name} 5000`,
        `sentinel parallel-syncs ${s.name} 1`,
        "",
      ].join("\n"),
    );
    s.child = await spawnReady(["redis-server", conf, "--sentinel"], "+monitor master", `sentinel on port ${s.port}`);
    return s;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** A client of the Sentinel itself (SENTINEL commands). */
  client(): Redis {
    const r = new Redis(this.port, "127.0.0.1", { maxRetriesPerRequest: 1 });
    r.on("error", () => {});
    return r;
  }

  /** The port of the master the Sentinel names now. */
  async masterPort(): Promise<number> {
    const c = this.client();
    try {
      const [, port] = (await c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", this.name)) as [string, string];
      return Number(port);
    } finally {
      c.disconnect();
    }
  }

  /** How many replicas the Sentinel knows of the master. */
  async replicas(): Promise<number> {
    const c = this.client();
    try {
      return ((await c.call("SENTINEL", "REPLICAS", this.name)) as unknown[]).length;
    } finally {
      c.disconnect();
    }
  }

  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
