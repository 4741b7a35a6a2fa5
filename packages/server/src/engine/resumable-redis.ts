/**
 * Resumable sessions in Redis, shared by every node: one hash per session
 * (`<prefix>:sio:<pid>` → owner, state JSON) with a time to live. Each operation is one Lua
 * script, so the owner check and the write are atomic.
 */
import { HeraldError } from "@herald/protocol";
import type { RedisConnection } from "./redis-connection.js";
import { Script } from "./redis-scripts.js";
import type { ResumableSessions, ResumableState } from "./resumable.js";

/** KEYS: record. ARGV: owner, state, ttl ms. */
const SAVE = new Script(`
local o = redis.call('HGET', KEYS[1], 'owner')
if o and o ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'state', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`);

/** KEYS: record. ARGV: new owner, ttl ms. */
const CLAIM = new Script(`
local s = redis.call('HGET', KEYS[1], 'state')
if not s then return false end
redis.call('HSET', KEYS[1], 'owner', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return s
`);

/** KEYS: records. ARGV: ttl ms, then one owner per key. */
const TOUCH = new Script(`
for i, key in ipairs(KEYS) do
  if redis.call('HGET', key, 'owner') == ARGV[i + 1] then redis.call('PEXPIRE', key, ARGV[1]) end
end
return 1
`);

/** KEYS: record. ARGV: owner. */
const REMOVE = new Script(`
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** Records refreshed per script call, so no single call holds Redis for long. */
const TOUCH_CHUNK = 500;

function unavailable(err: unknown): HeraldError {
  return new HeraldError("unavailable", `redis: ${(err as Error).message}`, { cause: err });
}

export class RedisResumable implements ResumableSessions {
  constructor(private readonly broker: RedisConnection) {}

  private key(pid: string): string {
    return `${this.broker.prefix}:sio:${pid}`;
  }

  private async run(script: Script, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await script.run(this.broker.redis, keys, args);
    } catch (err) {
      throw unavailable(err);
    }
  }

  async save(pid: string, owner: string, state: ResumableState, ttlMs: number): Promise<boolean> {
    return (await this.run(SAVE, [this.key(pid)], [owner, JSON.stringify(state), ttlMs])) === 1;
  }

  async claim(pid: string, owner: string, ttlMs: number): Promise<ResumableState | undefined> {
    const raw = await this.run(CLAIM, [this.key(pid)], [owner, ttlMs]);
    return typeof raw === "string" ? (JSON.parse(raw) as ResumableState) : undefined;
  }

  async touch(entries: ReadonlyArray<{ pid: string; owner: string }>, ttlMs: number): Promise<void> {
    for (let i = 0; i < entries.length; i += TOUCH_CHUNK) {
      const chunk = entries.slice(i, i + TOUCH_CHUNK);
      await this.run(
        TOUCH,
        chunk.map((e) => this.key(e.pid)),
        [ttlMs, ...chunk.map((e) => e.owner)],
      );
    }
  }

  async remove(pid: string, owner: string): Promise<void> {
    await this.run(REMOVE, [this.key(pid)], [owner]);
  }

  async close(): Promise<void> {}
}
