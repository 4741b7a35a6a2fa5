/**
 * Redis connections for connectors: no ioredis auto-reconnect and no offline queue, because
 * the connector reconnects itself (with backoff, from its last acknowledged position) and a
 * command must fail fast when the server is gone rather than wait in a queue.
 */
import { Redis } from "ioredis";

/** Opens a connection to `url`; resolves once connected. */
export async function openRedis(url: string, name: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectionName: `herald-${name}`,
    connectTimeout: 5000,
  });
  redis.on("error", () => {}); // reported through the failing command or the "end" event
  await redis.connect();
  return redis;
}

/** Closes a connection without waiting for replies (it may be blocked in XREADGROUP). */
export function closeRedis(redis: Redis | undefined): void {
  if (redis === undefined) return;
  redis.removeAllListeners("end");
  redis.disconnect();
}
