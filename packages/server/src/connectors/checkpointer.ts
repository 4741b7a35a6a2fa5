/**
 * A checkpoint that only moves past messages whose offers all resolved: messages finish out of
 * order (different keys run concurrently), but the committed position is the newest one with
 * nothing unfinished before it — so a restart never skips a message that was not kept.
 */
export class ContiguousCheckpoint<P> {
  private readonly open: Array<{ position: P; done: boolean }> = [];
  private last: P | undefined;

  /** @param initial the position already committed, if any. */
  constructor(initial?: P) {
    this.last = initial;
  }

  /** Registers a message read from the source, in source order (position undefined: not a place to resume from); returns its handle. */
  track(position: P): { position: P; done: boolean } {
    const entry = { position, done: false };
    this.open.push(entry);
    return entry;
  }

  /** Marks a message kept; returns the new contiguous position when it moved, else undefined. */
  done(entry: { position: P; done: boolean }): P | undefined {
    entry.done = true;
    let moved = false;
    while (this.open.length > 0 && (this.open[0] as { done: boolean }).done) {
      const { position } = this.open.shift() as { position: P };
      // Messages inside a unit (a transaction) carry no position of their own: only its end does.
      if (position !== undefined) {
        this.last = position;
        moved = true;
      }
    }
    return moved ? this.last : undefined;
  }

  /** The newest position with nothing unfinished before it. */
  get position(): P | undefined {
    return this.last;
  }

  /** Messages read and not yet kept. */
  get unfinished(): number {
    return this.open.length;
  }
}
