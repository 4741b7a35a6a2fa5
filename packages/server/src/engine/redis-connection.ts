/**
 * The Redis engine's shared connection, as the parts built on it see it: the command
 * connection, the key prefix, and channels under that prefix on the broker's one pub/sub
 * connection. The Redis broker provides it; presence, the cluster, resumable sessions, the
 * compute lease, the webhooks and the state checkpoints use it (`Engine.redis`), so no part
 * asks "is the broker a RedisBroker?" and none opens its own connections.
 */
import type { Redis } from "ioredis";

export interface RedisConnection {
  /** The command connection (scripts, hashes, streams). */
  readonly redis: Redis;
  /** Prefix of every key and channel (`engine.keyPrefix`). */
  readonly prefix: string;
  /** Subscribes this node to `<prefix>:<name>`; restored after a reconnect. */
  listen(name: string, handler: (message: string) => void): Promise<void>;
  /** Publishes on `<prefix>:<name>`; resolves to the number of nodes that received it. */
  broadcastRaw(name: string, message: string): Promise<number>;
}

/** The Redis connection a broker offers, if it offers one (a capability, found by its shape). */
export function redisConnectionOf(broker: object): RedisConnection | undefined {
  const b = broker as Partial<RedisConnection>;
  return typeof b.prefix === "string" &&
    typeof b.redis === "object" &&
    b.redis !== null &&
    typeof b.listen === "function" &&
    typeof b.broadcastRaw === "function"
    ? (broker as RedisConnection)
    : undefined;
}

/** A broker that can lose its event stream (Redis restarted empty) and says so. */
export interface ResettableBroker {
  onReset(listener: () => void): void;
}

export function isResettable(broker: object): broker is ResettableBroker {
  return typeof (broker as Partial<ResettableBroker>).onReset === "function";
}
