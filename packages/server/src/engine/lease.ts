/**
 * Which node does a job only one node may do at a time. With one process it is always this one.
 * On the Redis engine one node — the holder of a Redis lease (`{prefix}:<name>`, renewed every
 * `renewMs`, expiring after `ttlMs`) — does it; when it stops or dies, another node takes the
 * lease within `ttlMs` and carries on. Its users: the emitter of aggregation results
 * (`compute:emitter`: every node computes the same windows, results carry deterministic ids, so
 * a hand-over never delivers a window twice), the webhook deliverer, and the committer of the
 * durable queue (`durable:committer`, `engine/durable-redis.ts`).
 */
import type { Redis } from "ioredis";
import type { Logger } from "../log.js";

/** Takes the lease when free, renews it when ours; returns 1 when we hold it. */
const ACQUIRE = `
local v = redis.call('GET', KEYS[1])
if v == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;

/** Deletes the lease only when ours. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface EmitterLease {
  /** Whether this node publishes results now. */
  readonly held: boolean;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The single process: always the emitter. */
export class LocalLease implements EmitterLease {
  readonly held = true;
  async start(): Promise<void> {}
  async close(): Promise<void> {}
}

export class RedisLease implements EmitterLease {
  held = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly nodeId: string,
    private readonly log: Logger,
    /** @default 2000 */
    private readonly renewMs = 2000,
    /** @default 6000 */
    private readonly ttlMs = 6000,
    /** The lease's name under the prefix. @default "compute:emitter" */
    name = "compute:emitter",
  ) {
    this.key = `${prefix}:${name}`;
  }

  private async renew(): Promise<void> {
    try {
      this.held = (await this.redis.eval(ACQUIRE, 1, this.key, this.nodeId, String(this.ttlMs))) === 1;
    } catch (err) {
      // Unsure whether we still hold it: stop emitting; the deterministic ids cover the overlap.
      this.held = false;
      this.log.warn({ err }, "emitter lease not renewed");
    }
  }

  async start(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => void this.renew(), this.renewMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.held) await this.redis.eval(RELEASE, 1, this.key, this.nodeId).catch(() => undefined);
    this.held = false;
  }
}
