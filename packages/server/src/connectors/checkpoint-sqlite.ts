/**
 * Checkpoints in the gateway's SQLite file (`store.path`), in their own table and their own
 * connection (WAL lets it share the file with the store). `synchronous=FULL`: a saved
 * checkpoint survives power loss, like the events it follows.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { CheckpointStore } from "./connector.js";

export class SqliteCheckpointStore implements CheckpointStore {
  private db: Database.Database | undefined;

  /** @param path the SQLite file (`:memory:` for a throwaway one). */
  constructor(private readonly path: string) {}

  private open(): Database.Database {
    if (this.db !== undefined) return this.db;
    if (this.path !== ":memory:") mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("busy_timeout = 5000");
    db.exec(`CREATE TABLE IF NOT EXISTS herald_connector_checkpoints (
      name TEXT PRIMARY KEY, checkpoint TEXT NOT NULL, updated_at INTEGER NOT NULL)`);
    this.db = db;
    return db;
  }

  async load(name: string): Promise<string | undefined> {
    const row = this.open().prepare("SELECT checkpoint FROM herald_connector_checkpoints WHERE name = ?").get(name) as
      | { checkpoint: string }
      | undefined;
    return row?.checkpoint;
  }

  async save(name: string, checkpoint: string): Promise<void> {
    this.open()
      .prepare(
        `INSERT INTO herald_connector_checkpoints (name, checkpoint, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET checkpoint = excluded.checkpoint, updated_at = excluded.updated_at`,
      )
      .run(name, checkpoint, Date.now());
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
  }
}
