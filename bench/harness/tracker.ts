/**
 * Per-stream delivery accounting on the client side. A stream is one (connection, topic)
 * pair whose events carry consecutive numbers `n` (1, 2, 3 …). From the numbers alone it
 * counts events delivered, lost (gaps, and the tail of a connection the server closed),
 * still queued (the tail of an open connection that has not arrived when the step ends: the
 * run fell behind, nothing was dropped), duplicated, and reordered (a gap filled late), so
 * that for every stream `published = delivered + lost + queued` holds at the end of a step.
 */

/** Gaps larger than this are counted but their numbers not remembered (a late fill is then a duplicate). */
const MAX_TRACKED_GAP = 10_000;

export interface Counts {
  delivered: number;
  lost: number;
  /** Not arrived yet on a connection that is still open. */
  queued: number;
  duplicated: number;
  reordered: number;
}

export function zeroCounts(): Counts {
  return { delivered: 0, lost: 0, queued: 0, duplicated: 0, reordered: 0 };
}

export class Stream {
  /** Highest number seen (or written off as lost). */
  last: number;
  private missing: Set<number> | undefined;

  constructor(start = 0) {
    this.last = start;
  }

  /** Accounts one received event numbered `n`. */
  receive(n: number, c: Counts): void {
    if (n === this.last + 1) {
      this.last = n;
      c.delivered++;
      return;
    }
    if (n > this.last) {
      this.gap(n - 1, c);
      this.last = n;
      c.delivered++;
      return;
    }
    if (this.missing?.delete(n)) {
      c.lost--;
      c.reordered++;
      c.delivered++;
      return;
    }
    c.duplicated++;
  }

  /**
   * Ends a step: events up to `published` that have not arrived are queued while the
   * connection is open (they may still come), lost once it is closed.
   */
  finish(published: number, open: boolean, c: Counts): void {
    if (published <= this.last) return;
    if (open) {
      c.queued += published - this.last;
      return;
    }
    this.gap(published, c);
    this.last = published;
  }

  /** Counts last+1 … upTo as lost, remembering them so a late arrival counts as reordered. */
  private gap(upTo: number, c: Counts): void {
    const size = upTo - this.last;
    c.lost += size;
    if (size > MAX_TRACKED_GAP) return;
    this.missing ??= new Set();
    for (let m = this.last + 1; m <= upTo; m++) this.missing.add(m);
  }
}
