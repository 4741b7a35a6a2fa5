/**
 * The compute store: what aggregations, alert rules and analysis sessions keep across a
 * restart. Three implementations — `compute-store-memory.ts` (tests, no persistence),
 * `compute-store-sqlite.ts` (the embedded default, the same file as the main store) and
 * `compute-store-postgres.ts` — pass the shared suite `test/suites/compute-store.suite.ts`.
 *
 * Contract:
 * - Records are JSON documents by `(kind, id)`. `put` replaces, `insert` writes only when the
 *   id is new and says whether it did (idempotent chunks), `remove` says whether a row went.
 *   A resolved write survives a restart (memory excepted).
 * - `list(kind, prefix)` returns the records whose id starts with `prefix`, ascending by id.
 * - Series points are kept by `(name, at)`: writing the same point again replaces it, so nodes
 *   that record the same window result do not duplicate it. Reads are ascending by `at`.
 */

/** The record kinds Herald writes. */
export type RecordKind = "aggregation" | "agg_checkpoint" | "alert_rule" | "alert_state" | "stream" | "stream_chunk";

/** One point of an aggregation's window history. */
export interface SeriesPoint {
  /** The window's end, ms since the Unix epoch. */
  at: number;
  /** The window result (see docs/aggregations.md). */
  value: unknown;
}

export interface ComputeStore {
  /** `memory`, `sqlite` or `postgres`. */
  readonly kind: string;
  /** Opens the connection and creates or migrates the tables. */
  open(): Promise<void>;
  close(): Promise<void>;

  /** Writes a record, replacing any with the same id. */
  put(kind: RecordKind, id: string, doc: unknown): Promise<void>;
  /** Writes a record only when the id is new; false when it existed (nothing changed). */
  insert(kind: RecordKind, id: string, doc: unknown): Promise<boolean>;
  get<T = unknown>(kind: RecordKind, id: string): Promise<T | undefined>;
  /** Records whose id starts with `prefix` (all when `""`), ascending by id. */
  list<T = unknown>(kind: RecordKind, prefix?: string): Promise<Array<{ id: string; doc: T }>>;
  /** Removes one record; false when there was none. */
  remove(kind: RecordKind, id: string): Promise<boolean>;
  /** Removes every record whose id starts with `prefix`; returns how many. */
  removePrefix(kind: RecordKind, prefix: string): Promise<number>;

  /** Writes series points (replacing points at the same `at`). */
  appendSeries(name: string, points: readonly SeriesPoint[]): Promise<void>;
  /** Points with `from <= at <= to`, ascending, at most `limit`. */
  series(name: string, from: number, to: number, limit: number): Promise<SeriesPoint[]>;
  /** Removes points older than `before` (all series); returns how many. */
  trimSeries(before: number): Promise<number>;
  /** Removes every point of one series; returns how many. */
  dropSeries(name: string): Promise<number>;
}
