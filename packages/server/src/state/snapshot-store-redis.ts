/**
 * State checkpoints in Redis (the Redis engine): a hash `{prefix}:st:<topic>` {epoch, seq, doc}
 * beside the topic's history. Every node applies the same events and may write the same
 * checkpoint; a script keeps the newest (a lower seq of the same epoch never overwrites).
 */
import type { Redis } from "ioredis";
import { Script } from "../engine/redis-scripts.js";
import type { StateSnapshot } from "../store/state-snapshot-store.js";
import type { SnapshotStore } from "./snapshot-store.js";

/** KEYS: hash. ARGV: epoch, seq, doc JSON. */
const SAVE = new Script(`
local epoch = redis.call('HGET', KEYS[1], 'epoch')
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '-1')
if epoch == ARGV[1] and seq >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'seq', ARGV[2], 'doc', ARGV[3])
return 1
`);

export class RedisSnapshotStore implements SnapshotStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(topic: string): string {
    return `${this.prefix}:st:${topic}`;
  }

  async save(s: StateSnapshot): Promise<void> {
    await SAVE.run(
      this.redis,
      [this.key(s.topic)],
      [s.epoch, s.seq, JSON.stringify({ state: s.state, clocks: s.clocks })],
    );
  }

  async load(topic: string): Promise<StateSnapshot | undefined> {
    const h = await this.redis.hgetall(this.key(topic));
    if (h.epoch === undefined || h.seq === undefined || h.doc === undefined) return undefined;
    const doc = JSON.parse(h.doc) as Pick<StateSnapshot, "state" | "clocks">;
    return { topic, epoch: h.epoch, seq: Number(h.seq), state: doc.state, clocks: doc.clocks };
  }
}
