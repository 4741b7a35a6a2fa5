/**
 * `herald serve --workers N`: N gateway processes behind one port, with Node's `cluster`
 * module (the primary accepts connections and hands them to workers round-robin). The workers
 * share nothing in memory, so N > 1 needs the Redis engine: through it they act as one gateway
 * (publish on any worker reaches subscribers on every worker; presence and users span them).
 * A worker that dies is replaced; SIGTERM/SIGINT drain every worker, then the primary exits.
 */
import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import { loadConfig } from "../config.js";
import { UsageError } from "./args.js";
import { serve } from "./serve.js";

type ServeOptions = Parameters<typeof serve>[0];

/** One worker per core with the Redis engine; a single process with the memory engine. */
export function defaultWorkers(engine: "memory" | "redis"): number {
  return engine === "redis" ? availableParallelism() : 1;
}

/** Parses `--workers`: a positive integer, or `auto` for the default. */
export function parseWorkers(text: string | undefined, engine: "memory" | "redis"): number {
  if (text === undefined || text === "auto") return defaultWorkers(engine);
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`--workers must be a positive integer or "auto", got "${text}"`);
  const n = Number(text);
  if (n > 1 && engine !== "redis") {
    throw new UsageError("--workers > 1 needs the Redis engine (engine.type: redis): workers share nothing else");
  }
  return n;
}

export async function serveWorkers(options: ServeOptions, workersFlag: string | undefined): Promise<void> {
  if (cluster.isWorker) {
    await serve(options);
    return;
  }
  const config = loadConfig(options.config);
  const n = parseWorkers(workersFlag, config.engine.type);
  if (n === 1) {
    await serve(options);
    return;
  }
  let stopping = false;
  const fork = (): Worker => cluster.fork();
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    process.stderr.write(`herald: worker ${worker.process.pid} exited (${signal ?? code}); starting another\n`);
    setTimeout(fork, 1000).unref();
  });
  for (let i = 0; i < n; i++) fork();
  process.stdout.write(`herald primary ${process.pid}: ${n} workers\n`);
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(0);
    for (const w of workers) w?.process.kill("SIGTERM");
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
