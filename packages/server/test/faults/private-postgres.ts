/**
 * A private Postgres cluster on a free port for fault tests (stop it, start it again), so the
 * shared server at 5432 is never disturbed. `initdb` and `pg_ctl` run as the `postgres` user
 * (they refuse root). The test that starts one must `destroy` it in `after`.
 */
import { execFile } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { reservedClosedPort } from "../ports.js";

const run = promisify(execFile);
const BIN = "/usr/lib/postgresql/15/bin";

/** Runs a Postgres tool as the postgres user when this process is root. */
function asPostgres(tool: string, args: string[]): Promise<unknown> {
  if (process.getuid?.() === 0) return run("runuser", ["-u", "postgres", "--", join(BIN, tool), ...args]);
  return run(join(BIN, tool), args);
}

export class PrivatePostgres {
  private readonly dir = mkdtempSync(join(tmpdir(), "herald-pg-"));
  private readonly data = join(this.dir, "data");
  private running = false;
  port = 0;

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Creates the cluster (trust auth) and starts it; `pg_ctl -w` waits until it accepts connections. */
  async create(): Promise<void> {
    this.port = await reservedClosedPort();
    if (process.getuid?.() === 0) {
      const { stdout } = await run("id", ["-u", "postgres"]);
      const { stdout: gid } = await run("id", ["-g", "postgres"]);
      chownSync(this.dir, Number(stdout.trim()), Number(gid.trim()));
    }
    await asPostgres("initdb", ["-D", this.data, "-U", "postgres", "--auth=trust", "--no-sync"]);
    await this.start();
  }

  async start(): Promise<void> {
    await asPostgres("pg_ctl", [
      "-D",
      this.data,
      "-o",
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      "-w",
      "-l",
      join(this.dir, "log"),
      "start",
    ]);
    this.running = true;
  }

  /** Stops the server at once (`-m immediate`: like a crash, connections are cut). */
  async stop(): Promise<void> {
    if (!this.running) return;
    await asPostgres("pg_ctl", ["-D", this.data, "-m", "immediate", "-w", "stop"]);
    this.running = false;
  }

  /** Stops the server and removes the cluster. */
  async destroy(): Promise<void> {
    await this.stop().catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}
