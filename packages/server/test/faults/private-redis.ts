/**
 * A private `redis-server` on a free port for fault tests (stall with SIGSTOP, kill, client
 * kill), so the shared Redis at 6379 is never disturbed. The test that starts one must stop it
 * in `after`; a process exit kills it too, so a crashed test leaves nothing behind.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

/** A free TCP port on 127.0.0.1 (taken and released at once). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const p = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return p;
}

export class PrivateRedis {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "herald-redis-"));
  private readonly killOnExit = () => this.child?.kill("SIGKILL");
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (nothing persisted) and waits until it answers PING (deadline 10 s). */
  async start(): Promise<void> {
    this.port = await freePort();
    const child = spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.dir],
      { stdio: "ignore" },
    );
    this.child = child;
    process.once("exit", this.killOnExit);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (await this.ping(500)) return;
      if (Date.now() > deadline) throw new Error(`private redis on port ${this.port} did not answer PING within 10 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** True when the server answers PING within `timeoutMs`. */
  async ping(timeoutMs = 500): Promise<boolean> {
    const r = new Redis(this.url, {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    r.on("error", () => {});
    try {
      await r.connect();
      return (await r.ping()) === "PONG";
    } catch {
      return false;
    } finally {
      r.disconnect();
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

  /** Kills the server and removes its directory. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    process.off("exit", this.killOnExit);
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGCONT");
      child.kill("SIGKILL");
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
