/** The lifecycle log of a single process: what this node holds, and a bounded queue. */
import type { LifecycleEvent, LifecycleFields } from "./lifecycle-event.js";
import type { LifecycleLog } from "./lifecycle-log.js";

export class MemoryLifecycleLog implements LifecycleLog {
  /** Keys this node holds, with their `down` events. */
  private readonly held = new Map<string, LifecycleFields>();
  private readonly queue: LifecycleEvent[] = [];
  private last = 0;
  private seq = 0;
  private droppedCount = 0;

  constructor(private readonly maxQueue: number) {}

  async append(fields: LifecycleFields): Promise<void> {
    this.push(fields);
  }

  async hold(key: string, up: boolean, upFields: LifecycleFields, downFields: LifecycleFields): Promise<void> {
    if (up) {
      if (this.held.has(key)) return;
      this.held.set(key, downFields);
      this.push(upFields);
    } else if (this.held.delete(key)) {
      this.push(downFields);
    }
  }

  private push(fields: LifecycleFields): void {
    const now = Date.now();
    // Ids as Redis stream ids: `<ms>-<n>`, increasing even when the clock is not.
    if (now > this.last) {
      this.last = now;
      this.seq = 0;
    } else this.seq++;
    if (this.queue.length >= this.maxQueue) {
      this.queue.shift();
      this.droppedCount++;
    }
    this.queue.push({ id: `${this.last}-${this.seq}`, time: now, ...fields });
  }

  async read(n: number): Promise<LifecycleEvent[]> {
    return this.queue.slice(0, n);
  }

  async ack(id: string): Promise<void> {
    const i = this.queue.findIndex((e) => e.id === id);
    if (i >= 0) this.queue.splice(0, i + 1);
  }

  async holdings(): Promise<Map<string, LifecycleFields>> {
    return new Map(this.held);
  }

  async heartbeat(): Promise<boolean> {
    return false;
  }

  async release(): Promise<number> {
    return 0;
  }

  async releaseSelf(): Promise<void> {
    for (const down of this.held.values()) this.push(down);
    this.held.clear();
  }

  async dropped(): Promise<number> {
    return this.droppedCount;
  }
}
