/** Helpers for tests against the real local Redis. */
import { Redis } from "ioredis";
import { DEFAULTS, type HeraldConfig } from "../../src/config.js";
import { RedisBroker, type RedisBrokerOptions } from "../../src/engine/broker-redis.js";
import { Namespaces } from "../../src/hub/namespaces.js";

export const REDIS_URL = process.env.HERALD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Deletes every key under `prefix:` (test isolation; SCAN, never KEYS). */
export async function dropPrefix(prefix: string): Promise<void> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  r.on("error", () => {});
  try {
    await r.connect();
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await r.unlink(...keys);
    } while (cursor !== "0");
  } catch {
    // Redis may be restarting in a fault test; its data is gone then anyway.
  } finally {
    r.disconnect();
  }
}

/**
 * A Redis broker (not started) for `config`'s namespaces, under its own key prefix, with `more`
 * options (e.g. `publishBatchMax: 1` for a script call per publish, `ackReplicas`).
 */
export function redisBroker(
  keyPrefix: string,
  config: Pick<HeraldConfig, "namespaces" | "recovery" | "idempotency"> = DEFAULTS,
  more: Partial<RedisBrokerOptions> = {},
): RedisBroker {
  return new RedisBroker({
    ...more,
    namespaces: new Namespaces(config.namespaces),
    recovery: config.recovery,
    idempotency: config.idempotency,
    keyPrefix,
  });
}
