/**
 * The compute store in SQLite (`better-sqlite3`): its own connection to the main store's file
 * (WAL lets both write), its own tables, created when missing.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { ComputeStore, RecordKind, SeriesPoint } from "./compute-store.js";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS herald_compute_records (
    kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, id));
  CREATE TABLE IF NOT EXISTS herald_compute_series (
    name TEXT NOT NULL, at INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, at));
  CREATE INDEX IF NOT EXISTS herald_compute_series_at ON herald_compute_series (at);`;

/** `LIKE` pattern for ids starting with `prefix` (escaping `%`, `_` and the escape itself). */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class SqliteComputeStore implements ComputeStore {
  readonly kind = "sqlite";
  private db: Database.Database | undefined;

  /** @param path SQLite file (`:memory:` for a throwaway store). */
  constructor(private readonly path: string) {}

  private get conn(): Database.Database {
    if (this.db === undefined) throw new Error("the compute store is not open");
    return this.db;
  }

  async open(): Promise<void> {
    if (this.path !== ":memory:") mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("busy_timeout = 5000");
    db.exec(SCHEMA);
    this.db = db;
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
  }

  async put(kind: RecordKind, id: string, doc: unknown): Promise<void> {
    this.conn
      .prepare(
        "INSERT INTO herald_compute_records (kind, id, doc) VALUES (?,?,?) ON CONFLICT (kind, id) DO UPDATE SET doc = excluded.doc",
      )
      .run(kind, id, JSON.stringify(doc));
  }

  async insert(kind: RecordKind, id: string, doc: unknown): Promise<boolean> {
    const r = this.conn
      .prepare("INSERT INTO herald_compute_records (kind, id, doc) VALUES (?,?,?) ON CONFLICT (kind, id) DO NOTHING")
      .run(kind, id, JSON.stringify(doc));
    return r.changes > 0;
  }

  async get<T>(kind: RecordKind, id: string): Promise<T | undefined> {
    const row = this.conn.prepare("SELECT doc FROM herald_compute_records WHERE kind = ? AND id = ?").get(kind, id) as
      | { doc: string }
      | undefined;
    return row === undefined ? undefined : (JSON.parse(row.doc) as T);
  }

  async list<T>(kind: RecordKind, prefix = ""): Promise<Array<{ id: string; doc: T }>> {
    const rows = this.conn
      .prepare("SELECT id, doc FROM herald_compute_records WHERE kind = ? AND id LIKE ? ESCAPE '\\' ORDER BY id")
      .all(kind, likePrefix(prefix)) as Array<{ id: string; doc: string }>;
    return rows.map((r) => ({ id: r.id, doc: JSON.parse(r.doc) as T }));
  }

  async remove(kind: RecordKind, id: string): Promise<boolean> {
    return this.conn.prepare("DELETE FROM herald_compute_records WHERE kind = ? AND id = ?").run(kind, id).changes > 0;
  }

  async removePrefix(kind: RecordKind, prefix: string): Promise<number> {
    return this.conn
      .prepare("DELETE FROM herald_compute_records WHERE kind = ? AND id LIKE ? ESCAPE '\\'")
      .run(kind, likePrefix(prefix)).changes;
  }

  async appendSeries(name: string, points: readonly SeriesPoint[]): Promise<void> {
    const db = this.conn;
    const upsert = db.prepare(
      "INSERT INTO herald_compute_series (name, at, value) VALUES (?,?,?) ON CONFLICT (name, at) DO UPDATE SET value = excluded.value",
    );
    db.transaction(() => {
      for (const p of points) upsert.run(name, p.at, JSON.stringify(p.value));
    })();
  }

  async series(name: string, from: number, to: number, limit: number): Promise<SeriesPoint[]> {
    const rows = this.conn
      .prepare("SELECT at, value FROM herald_compute_series WHERE name = ? AND at >= ? AND at <= ? ORDER BY at LIMIT ?")
      .all(name, from, to, limit) as Array<{ at: number; value: string }>;
    return rows.map((r) => ({ at: r.at, value: JSON.parse(r.value) as unknown }));
  }

  async trimSeries(before: number): Promise<number> {
    return this.conn.prepare("DELETE FROM herald_compute_series WHERE at < ?").run(before).changes;
  }

  async dropSeries(name: string): Promise<number> {
    return this.conn.prepare("DELETE FROM herald_compute_series WHERE name = ?").run(name).changes;
  }
}
