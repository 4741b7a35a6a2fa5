/**
 * The compute store in Postgres (`pg`): its own pool, its own tables in the main store's
 * schema, created when missing (under an advisory lock, so nodes starting together agree).
 */
import pg from "pg";
import type { ComputeStore, RecordKind, SeriesPoint } from "./compute-store.js";
import { likePrefix } from "./compute-store-sqlite.js";

/** Advisory lock held while the tables are created (distinct from the main store's). */
const SCHEMA_LOCK = 0x4845_5243; // "HERC"

export interface PostgresComputeStoreOptions {
  url: string;
  /** Schema holding the tables. @default "herald" */
  schema?: string;
  /** Connections. @default 4 */
  poolSize?: number;
}

export class PostgresComputeStore implements ComputeStore {
  readonly kind = "postgres";
  readonly schema: string;
  private pool: pg.Pool | undefined;

  constructor(private readonly options: PostgresComputeStoreOptions) {
    this.schema = options.schema ?? "herald";
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema)) throw new Error(`invalid Postgres schema name "${this.schema}"`);
  }

  private get db(): pg.Pool {
    if (this.pool === undefined) throw new Error("the compute store is not open");
    return this.pool;
  }

  async open(): Promise<void> {
    const pool = new pg.Pool({
      connectionString: this.options.url,
      max: this.options.poolSize ?? 4,
      options: `-c search_path=${this.schema}`,
    });
    pool.on("error", () => {}); // an idle client's error surfaces on the next query instead
    const client = await pool.connect();
    try {
      await client.query("SELECT pg_advisory_lock($1)", [SCHEMA_LOCK]);
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
        await client.query(`CREATE TABLE IF NOT EXISTS herald_compute_records (
          kind TEXT NOT NULL, id TEXT NOT NULL, doc JSONB NOT NULL, PRIMARY KEY (kind, id))`);
        await client.query(`CREATE TABLE IF NOT EXISTS herald_compute_series (
          name TEXT NOT NULL, at BIGINT NOT NULL, value JSONB NOT NULL, PRIMARY KEY (name, at))`);
        await client.query("CREATE INDEX IF NOT EXISTS herald_compute_series_at ON herald_compute_series (at)");
      } finally {
        await client.query("SELECT pg_advisory_unlock($1)", [SCHEMA_LOCK]);
      }
    } catch (err) {
      client.release();
      await pool.end();
      throw err;
    }
    client.release();
    this.pool = pool;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  async put(kind: RecordKind, id: string, doc: unknown): Promise<void> {
    await this.db.query(
      "INSERT INTO herald_compute_records (kind, id, doc) VALUES ($1,$2,$3) ON CONFLICT (kind, id) DO UPDATE SET doc = excluded.doc",
      [kind, id, JSON.stringify(doc)],
    );
  }

  async insert(kind: RecordKind, id: string, doc: unknown): Promise<boolean> {
    const r = await this.db.query(
      "INSERT INTO herald_compute_records (kind, id, doc) VALUES ($1,$2,$3) ON CONFLICT (kind, id) DO NOTHING",
      [kind, id, JSON.stringify(doc)],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async get<T>(kind: RecordKind, id: string): Promise<T | undefined> {
    const { rows } = await this.db.query("SELECT doc FROM herald_compute_records WHERE kind = $1 AND id = $2", [
      kind,
      id,
    ]);
    return rows.length === 0 ? undefined : (rows[0].doc as T);
  }

  async list<T>(kind: RecordKind, prefix = ""): Promise<Array<{ id: string; doc: T }>> {
    const { rows } = await this.db.query(
      "SELECT id, doc FROM herald_compute_records WHERE kind = $1 AND id LIKE $2 ESCAPE '\\' ORDER BY id COLLATE \"C\"",
      [kind, likePrefix(prefix)],
    );
    return rows.map((r: { id: string; doc: T }) => ({ id: r.id, doc: r.doc }));
  }

  async remove(kind: RecordKind, id: string): Promise<boolean> {
    const r = await this.db.query("DELETE FROM herald_compute_records WHERE kind = $1 AND id = $2", [kind, id]);
    return (r.rowCount ?? 0) > 0;
  }

  async removePrefix(kind: RecordKind, prefix: string): Promise<number> {
    const r = await this.db.query("DELETE FROM herald_compute_records WHERE kind = $1 AND id LIKE $2 ESCAPE '\\'", [
      kind,
      likePrefix(prefix),
    ]);
    return r.rowCount ?? 0;
  }

  async appendSeries(name: string, points: readonly SeriesPoint[]): Promise<void> {
    if (points.length === 0) return;
    // One statement may not touch a row twice: the last point at an instant wins, as in a replay.
    const unique = [...new Map(points.map((p) => [p.at, p] as const)).values()];
    const values: unknown[] = [];
    const rows = unique.map((p, i) => {
      values.push(name, p.at, JSON.stringify(p.value));
      return `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3})`;
    });
    await this.db.query(
      `INSERT INTO herald_compute_series (name, at, value) VALUES ${rows.join(",")} ON CONFLICT (name, at) DO UPDATE SET value = excluded.value`,
      values,
    );
  }

  async series(name: string, from: number, to: number, limit: number): Promise<SeriesPoint[]> {
    const { rows } = await this.db.query(
      "SELECT at, value FROM herald_compute_series WHERE name = $1 AND at >= $2 AND at <= $3 ORDER BY at LIMIT $4",
      [name, from, to, limit],
    );
    return rows.map((r: { at: string; value: unknown }) => ({ at: Number(r.at), value: r.value }));
  }

  async trimSeries(before: number): Promise<number> {
    const r = await this.db.query("DELETE FROM herald_compute_series WHERE at < $1", [before]);
    return r.rowCount ?? 0;
  }

  async dropSeries(name: string): Promise<number> {
    const r = await this.db.query("DELETE FROM herald_compute_series WHERE name = $1", [name]);
    return r.rowCount ?? 0;
  }
}
