/**
 * Private source servers for fault tests and for Postgres logical replication: each on a free
 * port, in its own temporary directory, started and always stopped by the test — the shared
 * services on the standard ports are never touched.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts TCP connections on `port`; fails naming `what` after `timeoutMs`. */
export async function waitForPort(port: number, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
      s.connect(port, "127.0.0.1");
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every private server process still running, killed when the test process exits (even after a timeout). */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const proc of running) proc.kill("SIGKILL");
});

/** One private server process that can be killed and started again on the same port and data. */
export class PrivateServer {
  private proc: ChildProcess | undefined;

  constructor(
    readonly what: string,
    readonly port: number,
    private readonly command: string,
    private readonly args: string[],
    private readonly dir: string,
    /** Run as this uid/gid (Postgres refuses root); spawned directly so that this process reaps it. */
    private readonly user?: { uid: number; gid: number },
    private readonly ready?: () => boolean,
  ) {}

  async start(): Promise<void> {
    const proc = spawn(this.command, this.args, { stdio: "ignore", ...(this.user ?? {}) });
    this.proc = proc;
    running.add(proc);
    proc.once("exit", () => running.delete(proc));
    await waitForPort(this.port, this.what);
    const deadline = Date.now() + 20_000;
    while (this.ready !== undefined && !this.ready()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${this.what} to accept queries`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Kills the server abruptly (SIGKILL) and waits for it to exit. */
  async kill(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    // Every process of this server (a Postgres postmaster has backends that outlive it and hold
    // its shared memory): found by this server's own temporary directory, killed by pid.
    const pids = [proc.pid as number, ...serverPids(this.dir)];
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
    await exited;
    const deadline = Date.now() + 10_000;
    while (serverPids(this.dir).length > 0 && Date.now() < deadline) {
      for (const pid of serverPids(this.dir)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {}
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops the server and removes its data. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function serverPids(dir: string): number[] {
  try {
    const out = execFileSync("pgrep", ["-f", dir], { encoding: "utf8" });
    return out.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A private Postgres cluster (`wal_level=logical` when asked), owned by the `postgres` user. */
export async function startPostgres(options: { logical?: boolean } = {}): Promise<PrivateServer & { url: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "herald-pg-"));
  chmodSync(dir, 0o755);
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  chownSync(dir, uid, gid);
  const data = join(dir, "data");
  execFileSync(
    "runuser",
    ["-u", "postgres", "--", "/usr/lib/postgresql/15/bin/initdb", "-D", data, "-U", "postgres", "-A", "trust"],
    {
      stdio: "ignore",
    },
  );
  if (options.logical) {
    writeFileSync(
      join(data, "postgresql.auto.conf"),
      "wal_level = logical\nmax_replication_slots = 10\nmax_wal_senders = 10\n",
    );
  }
  const server = new PrivateServer(
    "a private postgres",
    port,
    "/usr/lib/postgresql/15/bin/postgres",
    ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
    dir,
    { uid, gid },
    () => {
      try {
        execFileSync("/usr/lib/postgresql/15/bin/pg_isready", ["-q", "-h", "127.0.0.1", "-p", String(port)]);
        return true;
      } catch {
        return false;
      }
    },
  );
  try {
    await server.start();
  } catch (err) {
    await server.stop();
    throw err;
  }
  return Object.assign(server, { url: `postgres://postgres@127.0.0.1:${port}/postgres` });
}

/** A private Redis (append-only file, fsync always, so a kill loses nothing acknowledged). */
export async function startRedis(): Promise<PrivateServer & { url: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "herald-redis-"));
  const server = new PrivateServer(
    "a private redis",
    port,
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "yes",
      "--appendfsync",
      "always",
      "--dir",
      dir,
    ],
    dir,
  );
  await server.start();
  return Object.assign(server, { url: `redis://127.0.0.1:${port}` });
}

/** A private NATS server with JetStream, storing in its own directory. */
export async function startNats(): Promise<PrivateServer & { url: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "herald-nats-"));
  const server = new PrivateServer(
    "a private nats-server",
    port,
    "nats-server",
    ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir],
    dir,
  );
  await server.start();
  return Object.assign(server, { url: `nats://127.0.0.1:${port}` });
}

/** A private Mosquitto keeping persistent sessions on disk across a kill. */
export async function startMosquitto(): Promise<PrivateServer & { url: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "herald-mqtt-"));
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location ${dir}/\nautosave_interval 1\nautosave_on_changes true\n`,
  );
  const server = new PrivateServer("a private mosquitto", port, "mosquitto", ["-c", conf], dir);
  await server.start();
  return Object.assign(server, { url: `mqtt://127.0.0.1:${port}` });
}
