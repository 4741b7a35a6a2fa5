/**
 * Hybrid logical clock (Kulkarni et al.): wall-clock milliseconds plus a counter, so stamps
 * follow real time closely, never go backwards on one node, and order causally related
 * writes even when clocks drift. Stamps are fixed-width strings, so string order is clock
 * order; the node id breaks ties between writers.
 */
export class HybridClock {
  private wall = 0;
  private counter = 0;

  constructor(
    /** Unique per writer; breaks ties. */
    readonly node: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new stamp, greater than every stamp this clock issued or observed. */
  tick(): string {
    const t = this.now();
    if (t > this.wall) {
      this.wall = t;
      this.counter = 0;
    } else this.counter++;
    return formatStamp(this.wall, this.counter, this.node);
  }

  /** Moves the clock past a stamp seen from another writer. */
  observe(stamp: string): void {
    const parsed = parseStamp(stamp);
    if (parsed === undefined) return;
    if (parsed.wall > this.wall) {
      this.wall = parsed.wall;
      this.counter = parsed.counter;
    } else if (parsed.wall === this.wall && parsed.counter > this.counter) this.counter = parsed.counter;
  }
}

export function formatStamp(wall: number, counter: number, node: string): string {
  return `${wall.toString().padStart(15, "0")}:${counter.toString().padStart(6, "0")}:${node}`;
}

export function parseStamp(stamp: string): { wall: number; counter: number; node: string } | undefined {
  const m = /^(\d{15}):(\d{6}):(.*)$/.exec(stamp);
  if (m === null) return undefined;
  return { wall: Number(m[1]), counter: Number(m[2]), node: m[3] as string };
}
