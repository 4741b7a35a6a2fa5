/**
 * The dedup cache shared by every node on the Redis engine: one key per content hash
 * (`<keyPrefix>:dd:<hash>`), set only when absent and expiring after the dedup window, in one
 * atomic script so two nodes offered the same content at once agree on one id.
 */
import type { Redis } from "ioredis";
import { Script } from "../engine/redis-scripts.js";
import type { DedupCache } from "./dedup.js";

const CLAIM = new Script(`
local prior = redis.call('GET', KEYS[1])
if prior then return prior end
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
return false
`);

export class RedisDedupCache implements DedupCache {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  async claim(hash: string, id: string, ttlMs: number): Promise<string | undefined> {
    const prior = await CLAIM.run(this.redis, [`${this.keyPrefix}:dd:${hash}`], [id, ttlMs]);
    return typeof prior === "string" ? prior : undefined;
  }
}
