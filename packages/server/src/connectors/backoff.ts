/** Reconnect delays: exponential from `initialMs` to `maxMs`, with full jitter so nodes do not retry in step. */
export function backoffDelay(attempt: number, reconnect: { initialMs: number; maxMs: number }): number {
  const ceiling = Math.min(reconnect.maxMs, reconnect.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(reconnect.initialMs / 2 + Math.random() * (ceiling - reconnect.initialMs / 2));
}

/** Waits `ms`, or less when `signal` aborts (then resolves false). */
export function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
