/** Resumable sessions in the process (memory engine): a Map with expiry times, swept lazily. */
import type { ResumableSessions, ResumableState } from "./resumable.js";

interface Entry {
  owner: string;
  state: string;
  expiresAt: number;
}

/** Records swept per write once the map is large: bounds the work without a timer. */
const SWEEP_EVERY = 1024;

export class MemoryResumable implements ResumableSessions {
  private readonly entries = new Map<string, Entry>();
  private writes = 0;

  private live(pid: string, now: number): Entry | undefined {
    const e = this.entries.get(pid);
    if (e !== undefined && e.expiresAt <= now) {
      this.entries.delete(pid);
      return undefined;
    }
    return e;
  }

  private sweep(now: number): void {
    if (++this.writes % SWEEP_EVERY !== 0) return;
    for (const [pid, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(pid);
  }

  async save(pid: string, owner: string, state: ResumableState, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const e = this.live(pid, now);
    if (e !== undefined && e.owner !== owner) return false;
    // Stored as JSON, as Redis stores it: a resumed session never shares objects with the old one.
    this.entries.set(pid, { owner, state: JSON.stringify(state), expiresAt: now + ttlMs });
    this.sweep(now);
    return true;
  }

  async claim(pid: string, owner: string, ttlMs: number): Promise<ResumableState | undefined> {
    const now = Date.now();
    const e = this.live(pid, now);
    if (e === undefined) return undefined;
    e.owner = owner;
    e.expiresAt = now + ttlMs;
    return JSON.parse(e.state) as ResumableState;
  }

  async touch(entries: ReadonlyArray<{ pid: string; owner: string }>, ttlMs: number): Promise<void> {
    const now = Date.now();
    for (const { pid, owner } of entries) {
      const e = this.live(pid, now);
      if (e !== undefined && e.owner === owner) e.expiresAt = now + ttlMs;
    }
  }

  async remove(pid: string, owner: string): Promise<void> {
    if (this.entries.get(pid)?.owner === owner) this.entries.delete(pid);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
