/**
 * Reconnect delays: exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter"): attempt n waits a uniformly random time in [0, min(maxMs, minMs·factorⁿ)].
 * Full jitter spreads a crowd of clients that lost the same server, so a restart is not
 * followed by a thundering herd.
 */

/** Backoff settings; every field is optional in `ClientOptions.backoff`. */
export interface BackoffOptions {
  /** Upper bound of the first delay, ms. @default 250 */
  minMs: number;
  /** Largest delay, ms. @default 30000 */
  maxMs: number;
  /** Growth of the upper bound per attempt. @default 2 */
  factor: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ minMs: 250, maxMs: 30_000, factor: 2 });

/** The upper bound of the delay before attempt `attempt` (0-based). */
export function backoffCeiling(options: BackoffOptions, attempt: number): number {
  return Math.min(options.maxMs, options.minMs * options.factor ** attempt);
}

/** The delay before attempt `attempt` (0-based), with `random` in [0, 1). */
export function backoffDelay(options: BackoffOptions, attempt: number, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeiling(options, attempt));
}

/** Rejects settings that cannot work, with a precise message. */
export function checkBackoff(options: BackoffOptions, name = "backoff"): void {
  const { minMs, maxMs, factor } = options;
  if (!(Number.isFinite(minMs) && minMs >= 0)) throw new RangeError(`${name}.minMs must be >= 0, got ${minMs}`);
  if (!(Number.isFinite(maxMs) && maxMs >= minMs)) throw new RangeError(`${name}.maxMs must be >= minMs, got ${maxMs}`);
  if (!(Number.isFinite(factor) && factor >= 1)) throw new RangeError(`${name}.factor must be >= 1, got ${factor}`);
}
