/**
 * Window arithmetic, free of timers and I/O. Time is cut into panes of `slideMs`; the window
 * ending at `end` (a multiple of `slideMs`) is the merge of the panes in `[end - windowMs, end)`.
 * A tumbling window is the case `slideMs = windowMs` (one pane per window). Events are placed
 * by their own timestamp; a window is closed once the caller's watermark passes its end, and an
 * event for a pane that can no longer reach an open window is late (counted, not added).
 */
import { type AggregateOp, PartialAggregate, type PartialJson, type PartialShape } from "./partial.js";

/** The group of events whose group-by field is missing. */
export const NO_GROUP = "(none)";
/** The group that collects new groups once `maxGroups` is reached in a pane. */
export const OTHER_GROUP = "(other)";

/** One closed window's result. */
export interface WindowResult {
  /** Window start and end (end exclusive), ms since the Unix epoch. */
  start: number;
  end: number;
  /** The operations over every event of the window. */
  values: Record<string, number | null>;
  /** The same per group (only when the aggregation groups). */
  groups?: Record<string, Record<string, number | null>>;
}

export interface WindowsOptions {
  windowMs: number;
  /** Pane size and emission step; must divide `windowMs`. */
  slideMs: number;
  ops: readonly AggregateOp[];
  grouped: boolean;
  /** Groups one pane keeps; more fall into `(other)`. */
  maxGroups: number;
  /** Distinct values kept per partial. */
  maxDistinct: number;
}

/** Window state as checkpointed. */
export interface WindowsJson {
  closed: number;
  late: number;
  panes: Array<[number, Array<[string, PartialJson]>]>;
}

export class Windows {
  private readonly panes = new Map<number, Map<string, PartialAggregate>>();
  private readonly shape: PartialShape;
  /** Every window ending at or before this was emitted. */
  private closed = Number.NEGATIVE_INFINITY;
  /** Events that arrived after their panes could no longer count. */
  late = 0;

  constructor(private readonly options: WindowsOptions) {
    if (options.windowMs % options.slideMs !== 0) throw new Error("slideMs must divide windowMs");
    this.shape = {
      distinct: options.ops.includes("distinct"),
      percentiles: options.ops.some((o) => o === "p50" || o === "p95" || o === "p99"),
      maxDistinct: options.maxDistinct,
    };
  }

  private paneOf(ts: number): number {
    return Math.floor(ts / this.options.slideMs) * this.options.slideMs;
  }

  /** Adds one event; false when it is late (its every window was already emitted). */
  add(timestamp: number, group: string, value: unknown): boolean {
    const pane = this.paneOf(timestamp);
    // The last window containing this pane ends at pane + windowMs.
    if (pane + this.options.windowMs <= this.closed) {
      this.late++;
      return false;
    }
    let groups = this.panes.get(pane);
    if (groups === undefined) {
      groups = new Map();
      this.panes.set(pane, groups);
    }
    let key = this.options.grouped ? group : "";
    let partial: PartialAggregate | undefined = groups.get(key);
    if (partial === undefined) {
      if (groups.size >= this.options.maxGroups && key !== OTHER_GROUP) {
        key = OTHER_GROUP;
        partial = groups.get(key);
      }
      if (partial === undefined) {
        partial = new PartialAggregate(this.shape);
        groups.set(key, partial);
      }
    }
    partial.add(value);
    return true;
  }

  /** The result of the window ending at `end`, from the panes held now. */
  resultAt(end: number): WindowResult {
    const start = end - this.options.windowMs;
    const total = new PartialAggregate(this.shape);
    const byGroup = new Map<string, PartialAggregate>();
    for (const [pane, groups] of this.panes) {
      if (pane < start || pane >= end) continue;
      for (const [g, p] of groups) {
        total.merge(p);
        if (!this.options.grouped) continue;
        let acc = byGroup.get(g);
        if (acc === undefined) {
          acc = new PartialAggregate(this.shape);
          byGroup.set(g, acc);
        }
        acc.merge(p);
      }
    }
    const result: WindowResult = { start, end, values: total.result(this.options.ops) };
    if (this.options.grouped) {
      result.groups = {};
      for (const g of [...byGroup.keys()].sort())
        result.groups[g] = (byGroup.get(g) as PartialAggregate).result(this.options.ops);
    }
    return result;
  }

  /** The window that ends with the pane holding `now`: the in-progress window. */
  current(now: number): WindowResult {
    return this.resultAt(this.paneOf(now) + this.options.slideMs);
  }

  /**
   * Closes every window ending at or before `watermark` that has events, plus the newest such
   * window even when empty (so a gauge falls to zero), in order; drops panes no open window needs.
   */
  close(watermark: number): WindowResult[] {
    const { windowMs, slideMs } = this.options;
    const limit = Math.floor(watermark / slideMs) * slideMs;
    if (limit <= this.closed) return [];
    const ends = new Set<number>();
    for (const pane of this.panes.keys()) {
      for (let end = pane + slideMs; end <= pane + windowMs; end += slideMs) {
        if (end > this.closed && end <= limit) ends.add(end);
      }
    }
    ends.add(limit);
    const results = [...ends].sort((a, b) => a - b).map((end) => this.resultAt(end));
    this.closed = limit;
    // A pane is needed while some window ending after `closed` contains it.
    for (const pane of [...this.panes.keys()]) if (pane + windowMs <= this.closed) this.panes.delete(pane);
    return results;
  }

  /** Where closing has reached (−∞ before the first close). */
  get closedUpTo(): number {
    return this.closed;
  }

  toJSON(): WindowsJson {
    const panes: WindowsJson["panes"] = [];
    for (const [pane, groups] of this.panes) panes.push([pane, [...groups].map(([g, p]) => [g, p.toJSON()])]);
    return { closed: Number.isFinite(this.closed) ? this.closed : -1, late: this.late, panes };
  }

  /** Restores checkpointed state (replacing what is held). */
  restore(j: WindowsJson): void {
    this.panes.clear();
    this.closed = j.closed < 0 ? Number.NEGATIVE_INFINITY : j.closed;
    this.late = j.late;
    for (const [pane, groups] of j.panes) {
      this.panes.set(pane, new Map(groups.map(([g, p]) => [g, PartialAggregate.fromJSON(p, this.shape)])));
    }
  }
}
