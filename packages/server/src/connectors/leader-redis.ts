/**
 * Leader election with a Redis lock: `SET key token NX PX ttl`, renewed every `ttl / 3` only
 * while the key still holds this node's token (a Lua check-and-extend), released on stop. For
 * sources that must be read by one node per cluster (Redis pub/sub, core NATS without a queue
 * group). A node that cannot renew in time (Redis unreachable, process stalled) loses the lock
 * and stops reading; another node takes over within one `ttl`.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

const RENEW = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

export class RedisLeaderLock {
  private readonly token = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private held = false;

  /**
   * @param key the lock's key, one per connector name
   * @param ttlMs how long the lock outlives its holder @default 10000
   * @param onChange called with true when this node becomes leader, false when it stops being one
   */
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly onChange: (leader: boolean) => void,
    private readonly ttlMs = 10_000,
  ) {}

  /** Whether this node holds the lock. */
  get leader(): boolean {
    return this.held;
  }

  /** Starts trying to take (and then renewing) the lock. */
  start(): void {
    void this.tick();
  }

  private async tick(): Promise<void> {
    try {
      if (this.held) {
        const ok = await this.redis.eval(RENEW, 1, this.key, this.token, this.ttlMs);
        if (ok !== 1) this.set(false);
      } else {
        const ok = await this.redis.set(this.key, this.token, "PX", this.ttlMs, "NX");
        if (ok === "OK") this.set(true);
      }
    } catch {
      this.set(false); // cannot prove we hold it: stop reading
    }
    this.timer = setTimeout(() => void this.tick(), Math.max(10, Math.floor(this.ttlMs / 3)));
  }

  private set(leader: boolean): void {
    if (leader === this.held) return;
    this.held = leader;
    this.onChange(leader);
  }

  /** Stops renewing and releases the lock if held. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.held) await this.redis.eval(RELEASE, 1, this.key, this.token).catch(() => {});
    this.held = false;
  }
}
