/**
 * The one way tests wait for something that has no event of its own: poll a condition with a
 * deadline, and when the deadline passes fail with what was awaited (and the last error the
 * condition threw), never hang until the runner's timeout.
 */

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** What is awaited, in words; the timeout error names it (a function: read at the timeout, e.g. for output so far). */
  what: string | (() => string);
  /** Milliseconds before giving up. Generous, since a loaded 2-core machine is slow. @default 10000 */
  timeout?: number;
  /** Milliseconds between two checks. @default 10 */
  interval?: number;
}

/**
 * Resolves with the first truthy value `cond` returns (or resolves to); rejects with
 * `timed out after <timeout> ms waiting for <what>` when none came in time. A throwing
 * condition counts as not yet met; its last error is the timeout error's cause.
 * Uses real timers: do not call it while `mock.timers` fakes `setTimeout`.
 */
export async function waitFor<T>(
  cond: () => T | Promise<T>,
  { what, timeout = 10_000, interval = 10 }: WaitForOptions,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await cond();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError === undefined ? "" : ` (last error: ${(lastError as Error)?.message ?? lastError})`;
      const described = typeof what === "function" ? what() : what;
      throw new Error(`timed out after ${timeout} ms waiting for ${described}${detail}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
