/**
 * How the engine reaches Redis: a URL, or Redis Sentinels that name the master (the connection
 * follows a failover to the promoted replica). Every connection the engine's parts open goes
 * through here, so they all follow the same master.
 */
import { Redis, type RedisOptions } from "ioredis";

export interface RedisTarget {
  /** `redis://[[user]:password@]host:port[/db]`; with sentinels only its user, password and db apply. */
  url: string;
  /** Sentinels as `host:port`; empty or absent: connect to `url` directly. */
  sentinels?: readonly string[];
  /** The master group the Sentinels watch. @default "mymaster" */
  sentinelName?: string;
}

/** A `host:port` or `[IPv6]:port` pair (validated by the configuration schema). */
export function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(":");
  const host = address.slice(0, i);
  return { host: host.startsWith("[") ? host.slice(1, -1) : host, port: Number(address.slice(i + 1)) };
}

/** Opens (or, with `lazyConnect`, prepares) a connection to the target's master. */
export function openRedis(target: RedisTarget, options: RedisOptions): Redis {
  if (target.sentinels === undefined || target.sentinels.length === 0) return new Redis(target.url, options);
  return new Redis(target.url, {
    ...options,
    sentinels: target.sentinels.map(hostPort),
    name: target.sentinelName ?? "mymaster",
    // No `failoverDetector`: it drops every connection on each switch notice, even one that
    // already moved to the new master. A dead master drops the connections by itself; a stalled
    // one is left by the broker's health probe.
  });
}

/** The engine configuration's Redis target. */
export function engineRedisTarget(engine: {
  redisUrl: string;
  sentinels: readonly string[];
  sentinelName: string;
}): RedisTarget {
  return { url: engine.redisUrl, sentinels: engine.sentinels, sentinelName: engine.sentinelName };
}
