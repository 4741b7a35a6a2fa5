/**
 * Dead letters in a SQLite file (better-sqlite3, WAL, `synchronous=FULL`): `add` returns once
 * the row is committed. Retention: entries older than `retentionMs` and beyond `maxEntries`
 * (oldest first) are deleted on each add.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { DeadLetter, DeadLetterInput, DeadLetterQuery, DeadLetterStore } from "./dead-letter.js";

export interface SqlDeadLetterOptions {
  /** Most entries kept; the oldest go first. @default 10000 */
  maxEntries: number;
  /** Entries older than this are deleted; 0 keeps them until pushed out by `maxEntries`. @default 2592000000 (30 days) */
  retentionMs: number;
}

interface Row {
  id: number;
  at: number;
  source: string;
  stage: string;
  code: string;
  reason: string;
  request: string;
}

/** Ids are zero-padded so that they sort as strings in the order they were added. */
export const padId = (n: number | string): string => String(n).padStart(12, "0");

export function rowToDeadLetter(r: Row): DeadLetter {
  return {
    id: padId(r.id),
    at: Number(r.at),
    source: r.source,
    stage: r.stage,
    code: r.code,
    reason: r.reason,
    request: typeof r.request === "string" ? JSON.parse(r.request) : r.request,
  };
}

export class SqliteDeadLetterStore implements DeadLetterStore {
  private readonly db: Database.Database;

  /** @param path SQLite file (its directory is created); `:memory:` for a throwaway store */
  constructor(
    path: string,
    private readonly options: SqlDeadLetterOptions,
    private readonly now: () => number = Date.now,
  ) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.exec(`CREATE TABLE IF NOT EXISTS herald_dead_letters (
      id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, source TEXT NOT NULL, stage TEXT NOT NULL,
      code TEXT NOT NULL, reason TEXT NOT NULL, request TEXT NOT NULL)`);
  }

  async add(input: DeadLetterInput): Promise<DeadLetter> {
    const at = this.now();
    const info = this.db
      .prepare("INSERT INTO herald_dead_letters (at, source, stage, code, reason, request) VALUES (?,?,?,?,?,?)")
      .run(at, input.source, input.stage, input.code, input.reason, JSON.stringify(input.request));
    if (this.options.retentionMs > 0) {
      this.db.prepare("DELETE FROM herald_dead_letters WHERE at < ?").run(at - this.options.retentionMs);
    }
    this.db
      .prepare(
        "DELETE FROM herald_dead_letters WHERE id <= (SELECT id FROM herald_dead_letters ORDER BY id DESC LIMIT 1 OFFSET ?)",
      )
      .run(this.options.maxEntries);
    return { ...input, id: padId(Number(info.lastInsertRowid)), at };
  }

  async list(query: DeadLetterQuery): Promise<DeadLetter[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM herald_dead_letters WHERE id > ? ${query.source !== undefined ? "AND source = ?" : ""} ORDER BY id LIMIT ?`,
      )
      .all(
        ...([Number(query.after ?? 0), ...(query.source !== undefined ? [query.source] : []), query.limit] as never[]),
      ) as Row[];
    return rows.map(rowToDeadLetter);
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const row = this.db.prepare("SELECT * FROM herald_dead_letters WHERE id = ?").get(Number(id)) as Row | undefined;
    return row === undefined ? undefined : rowToDeadLetter(row);
  }

  async remove(ids: readonly string[]): Promise<number> {
    const del = this.db.prepare("DELETE FROM herald_dead_letters WHERE id = ?");
    let n = 0;
    this.db.transaction(() => {
      for (const id of ids) n += del.run(Number(id)).changes;
    })();
    return n;
  }

  async count(): Promise<number> {
    return (this.db.prepare("SELECT count(*) AS n FROM herald_dead_letters").get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}
