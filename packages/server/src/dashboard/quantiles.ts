/**
 * Quantiles of a Prometheus histogram over one interval, estimated the way PromQL's
 * `histogram_quantile` does: find the bucket holding the rank, interpolate linearly inside it.
 * The estimate is only as fine as the buckets; a rank in the `+Inf` bucket answers the largest
 * finite bound.
 */

/** Cumulative counts per upper bound (`le`), as a histogram reports them; `Infinity` is `+Inf`. */
export type CumulativeBuckets = ReadonlyMap<number, number>;

/** Counts that arrived between two readings of the same histogram, per upper bound. */
export function bucketDelta(now: CumulativeBuckets, before: CumulativeBuckets | undefined): Map<number, number> {
  const out = new Map<number, number>();
  for (const [le, count] of now) out.set(le, Math.max(0, count - (before?.get(le) ?? 0)));
  return out;
}

/**
 * The `q` quantile (0 < q ≤ 1) of the observations in cumulative buckets, or `null` when there
 * were none.
 */
export function quantile(q: number, buckets: CumulativeBuckets): number | null {
  if (!(q > 0 && q <= 1)) throw new RangeError(`quantile must be in (0, 1], got ${q}`);
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? buckets.get(bounds[bounds.length - 1] as number) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const count = buckets.get(le) as number;
    if (count >= rank) {
      if (le === Infinity) return lower; // the largest finite bound: nothing finer is known
      const inBucket = count - below;
      return inBucket === 0 ? le : lower + (le - lower) * ((rank - below) / inBucket);
    }
    lower = le;
    below = count;
  }
  return lower;
}
