/**
 * A partial aggregate: what one pane (a slice of a window) knows about the values it saw.
 * Partials merge (`merge`) without losing anything the operations need, so a window is the
 * merge of its panes. Percentiles use a DDSketch (`@datadog/sketches-js`, relative accuracy 1 %),
 * which is mergeable and serialisable; distinct counts keep the distinct values, up to a cap.
 */
import { DDSketch } from "@datadog/sketches-js";

/** The operations an aggregation computes. */
export const AGGREGATE_OPS = ["count", "sum", "avg", "min", "max", "distinct", "p50", "p95", "p99"] as const;
export type AggregateOp = (typeof AGGREGATE_OPS)[number];

const QUANTILES: Partial<Record<AggregateOp, number>> = { p50: 0.5, p95: 0.95, p99: 0.99 };

/** Relative accuracy of percentile results (1 %). */
export const SKETCH_ACCURACY = 0.01;

/** A partial as stored in a checkpoint. */
export interface PartialJson {
  /** Events counted. */
  c: number;
  /** Numeric values seen, their sum, min, max. */
  n: number;
  s: number;
  lo: number | null;
  hi: number | null;
  /** Distinct values (JSON text), and whether the cap cut the set short. */
  d?: string[];
  dx?: boolean;
  /** The sketch, protobuf as base64. */
  k?: string;
}

/** What a partial needs: which structures to keep, and the distinct cap. */
export interface PartialShape {
  distinct: boolean;
  percentiles: boolean;
  /** Distinct values kept; past it the distinct count is a lower bound (`distinctCapped`). */
  maxDistinct: number;
}

export class PartialAggregate {
  count = 0;
  numeric = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  distinct: Set<string> | undefined;
  distinctCapped = false;
  // Private: its type would put the sketch library's declarations into the package's .d.ts.
  private sketch: DDSketch | undefined;

  constructor(private readonly shape: PartialShape) {
    if (shape.distinct) this.distinct = new Set();
    if (shape.percentiles) this.sketch = new DDSketch({ relativeAccuracy: SKETCH_ACCURACY });
  }

  /** Counts one event whose field held `value` (`undefined` when the aggregation reads no field). */
  add(value: unknown): void {
    this.count++;
    if (typeof value === "number" && Number.isFinite(value)) {
      this.numeric++;
      this.sum += value;
      if (value < this.min) this.min = value;
      if (value > this.max) this.max = value;
      this.sketch?.accept(value);
    }
    if (this.distinct !== undefined && value !== undefined) {
      this.addDistinct(typeof value === "string" ? value : JSON.stringify(value));
    }
  }

  private addDistinct(key: string): void {
    const set = this.distinct as Set<string>;
    if (set.has(key)) return;
    if (set.size >= this.shape.maxDistinct) this.distinctCapped = true;
    else set.add(key);
  }

  merge(other: PartialAggregate): void {
    this.count += other.count;
    this.numeric += other.numeric;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    if (this.distinct !== undefined && other.distinct !== undefined) {
      for (const v of other.distinct) this.addDistinct(v);
      if (other.distinctCapped) this.distinctCapped = true;
    }
    if (this.sketch !== undefined && other.sketch !== undefined && other.sketch.count > 0) {
      this.sketch.merge(other.sketch);
    }
  }

  /** The values of `ops`; `null` where no numeric value was seen. */
  result(ops: readonly AggregateOp[]): Record<string, number | null> {
    const out: Record<string, number | null> = {};
    const some = this.numeric > 0;
    for (const op of ops) {
      switch (op) {
        case "count":
          out.count = this.count;
          break;
        case "sum":
          out.sum = this.sum;
          break;
        case "avg":
          out.avg = some ? this.sum / this.numeric : null;
          break;
        case "min":
          out.min = some ? this.min : null;
          break;
        case "max":
          out.max = some ? this.max : null;
          break;
        case "distinct":
          out.distinct = this.distinct?.size ?? 0;
          break;
        case "p50":
        case "p95":
        case "p99":
          out[op] = some && this.sketch !== undefined ? this.sketch.getValueAtQuantile(QUANTILES[op] as number) : null;
          break;
      }
    }
    return out;
  }

  toJSON(): PartialJson {
    const j: PartialJson = {
      c: this.count,
      n: this.numeric,
      s: this.sum,
      lo: this.numeric > 0 ? this.min : null,
      hi: this.numeric > 0 ? this.max : null,
    };
    if (this.distinct !== undefined) j.d = [...this.distinct];
    if (this.distinctCapped) j.dx = true;
    if (this.sketch !== undefined && this.sketch.count > 0) j.k = Buffer.from(this.sketch.toProto()).toString("base64");
    return j;
  }

  static fromJSON(j: PartialJson, shape: PartialShape): PartialAggregate {
    const p = new PartialAggregate(shape);
    p.count = j.c;
    p.numeric = j.n;
    p.sum = j.s;
    p.min = j.lo ?? Number.POSITIVE_INFINITY;
    p.max = j.hi ?? Number.NEGATIVE_INFINITY;
    if (p.distinct !== undefined && j.d !== undefined) for (const v of j.d) p.distinct.add(v);
    p.distinctCapped = j.dx === true;
    if (p.sketch !== undefined && j.k !== undefined) p.sketch.merge(DDSketch.fromProto(Buffer.from(j.k, "base64")));
    return p;
  }
}
