/**
 * New connections per second from one IP: one token bucket per address, held in a bounded
 * map. Buckets that refilled completely carry no information and are swept when the map is
 * full, so a flood from many addresses cannot grow memory without bound.
 */
import { TokenBucket } from "./token-bucket.js";

/** Most addresses tracked at once; past it, refilled buckets are dropped (then, if needed, all). */
const MAX_TRACKED = 100_000;

export class ConnectionRate {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
    private readonly maxTracked = MAX_TRACKED,
  ) {}

  get enabled(): boolean {
    return this.ratePerSecond > 0;
  }

  /** Whether `ip` may open one more connection now. */
  admit(ip: string): boolean {
    if (!this.enabled) return true;
    let b = this.buckets.get(ip);
    if (b === undefined) {
      if (this.buckets.size >= this.maxTracked) this.sweep();
      b = new TokenBucket(this.ratePerSecond, this.burst, this.now);
      this.buckets.set(ip, b);
    }
    return b.take();
  }

  /** Seconds a refused address should wait (for `Retry-After`). */
  retryAfterSeconds(ip: string): number {
    return Math.max(1, Math.ceil((this.buckets.get(ip)?.retryAfterMs ?? 0) / 1000));
  }

  get tracked(): number {
    return this.buckets.size;
  }

  private sweep(): void {
    for (const [ip, b] of this.buckets) if (b.full) this.buckets.delete(ip);
    if (this.buckets.size >= this.maxTracked) this.buckets.clear();
  }
}
