/** A fixed-capacity FIFO that overwrites its oldest item; O(1) push, index and drop. */
export class Ring<T> {
  private items: Array<T | undefined>;
  private start = 0;
  private count = 0;

  constructor(private capacity: number) {
    this.items = new Array(Math.min(capacity, 1024));
  }

  get length(): number {
    return this.count;
  }

  /** Appends `item`; returns the item pushed out, if any. */
  push(item: T): T | undefined {
    if (this.capacity === 0) return item;
    if (this.count < this.capacity) {
      if (this.count === this.items.length) this.grow();
      this.items[(this.start + this.count) % this.items.length] = item;
      this.count++;
      return undefined;
    }
    const evicted = this.items[this.start];
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.items.length;
    return evicted;
  }

  private grow(): void {
    const next = new Array<T | undefined>(Math.min(this.capacity, this.items.length * 2));
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.start + i) % this.items.length];
    this.items = next;
    this.start = 0;
  }

  /** The i-th oldest item. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.items[(this.start + i) % this.items.length];
  }

  first(): T | undefined {
    return this.at(0);
  }

  /** Removes the oldest item. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.start];
    this.items[this.start] = undefined;
    this.start = (this.start + 1) % this.items.length;
    this.count--;
    return item;
  }

  /** Items from index `from` (inclusive), at most `limit`. */
  slice(from: number, limit: number): T[] {
    const out: T[] = [];
    const end = Math.min(this.count, from + limit);
    for (let i = Math.max(0, from); i < end; i++) out.push(this.items[(this.start + i) % this.items.length] as T);
    return out;
  }
}
