/**
 * Latency of Redis commands: `herald_redis_command_seconds{command, outcome}`, from the moment a
 * command is first handed to ioredis to its reply (queued time while reconnecting included, as
 * the caller waits for it). `instrumentRedis` wraps one connection's `sendCommand`; a command
 * re-sent from the offline queue is timed once.
 */
import { performance } from "node:perf_hooks";
import type { Redis } from "ioredis";
import { Histogram } from "prom-client";

export type RedisCommandHistogram = Histogram<"command" | "outcome">;

export const redisCommandSeconds = (): RedisCommandHistogram =>
  new Histogram<"command" | "outcome">({
    name: "herald_redis_command_seconds",
    help: "Redis commands sent by the engine (evalsha, xrange, …) by outcome (ok, error), with their duration",
    labelNames: ["command", "outcome"] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [],
  });

interface TimedCommand {
  name: string;
  promise: Promise<unknown>;
}

/** Times every command `redis` sends into `histogram`. */
export function instrumentRedis(redis: Redis, histogram: RedisCommandHistogram): void {
  const timed = new WeakSet<object>();
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: TimedCommand, stream?: unknown) => {
    if (!timed.has(command)) {
      timed.add(command);
      const start = performance.now();
      const done = (outcome: string) => () =>
        histogram.observe({ command: command.name, outcome }, (performance.now() - start) / 1000);
      command.promise.then(done("ok"), done("error"));
    }
    return (send as (c: TimedCommand, s?: unknown) => unknown)(command, stream);
  }) as Redis["sendCommand"];
}
