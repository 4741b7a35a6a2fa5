/**
 * Order per key and a bound on work in flight: tasks that share a key run one at a time in
 * submission order; tasks of different keys run concurrently; `room()` tells a reader when it
 * may read more from its source (backpressure instead of an unbounded buffer).
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private waiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];
  /** Tasks submitted and not yet settled. */
  pending = 0;

  /** @param limit most tasks pending before `room()` waits. */
  constructor(private readonly limit: number) {}

  /** Runs `task` after every earlier task of `key` settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    this.pending++;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const start = () =>
      this.slot()
        .then(task)
        .finally(() => this.release());
    const result = previous.then(start, start);
    const tail = result.then(
      () => {},
      () => {},
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
      this.pending--;
      this.wake();
    });
    return result;
  }

  private running = 0;
  private slotWaiters: Array<() => void> = [];

  /** At most `limit` tasks run at once, even when a push source submitted more. */
  private slot(): Promise<void> {
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  private release(): void {
    const next = this.slotWaiters.shift();
    if (next !== undefined) next();
    else this.running--;
  }

  /** Resolves once fewer than `limit` tasks are pending. */
  room(): Promise<void> {
    if (this.pending < this.limit) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once no task is pending. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wake(): void {
    while (this.pending < this.limit && this.waiters.length > 0) (this.waiters.shift() as () => void)();
    if (this.pending === 0) {
      const idle = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of idle) f();
    }
  }
}
