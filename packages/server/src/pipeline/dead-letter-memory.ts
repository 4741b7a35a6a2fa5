/**
 * Dead letters kept in memory, bounded: the oldest entry goes when `maxEntries` is reached, and
 * entries older than `retentionMs` (when not 0) go on the next add.
 */
import type { DeadLetter, DeadLetterInput, DeadLetterQuery, DeadLetterStore } from "./dead-letter.js";

export class MemoryDeadLetterStore implements DeadLetterStore {
  private readonly entries = new Map<string, DeadLetter>();
  private next = 0;

  /** @param maxEntries @default 10000 @param retentionMs 0 keeps entries until pushed out @default 0 */
  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
    private readonly retentionMs = 0,
  ) {}

  async add(input: DeadLetterInput): Promise<DeadLetter> {
    const entry: DeadLetter = { ...input, id: String(++this.next).padStart(12, "0"), at: this.now() };
    this.entries.set(entry.id, entry);
    if (this.retentionMs > 0) {
      for (const [id, e] of this.entries) {
        if (e.at >= entry.at - this.retentionMs) break;
        this.entries.delete(id);
      }
    }
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return entry;
  }

  async list(query: DeadLetterQuery): Promise<DeadLetter[]> {
    const out: DeadLetter[] = [];
    for (const e of this.entries.values()) {
      if (out.length >= query.limit) break;
      if (query.after !== undefined && e.id <= query.after) continue;
      if (query.source !== undefined && e.source !== query.source) continue;
      out.push(e);
    }
    return out;
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    return this.entries.get(id);
  }

  async remove(ids: readonly string[]): Promise<number> {
    let n = 0;
    for (const id of ids) if (this.entries.delete(id)) n++;
    return n;
  }

  async count(): Promise<number> {
    return this.entries.size;
  }
}
