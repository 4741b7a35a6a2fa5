/**
 * The embedded store: one SQLite file through `better-sqlite3`, WAL mode, `synchronous=FULL`
 * so a committed batch survives power loss. Calls are synchronous underneath; group commit
 * (in `durable-log.ts`) keeps transactions few.
 *
 * SQLite never waits for a lock on the event loop (`busy_timeout = 0`): a call that finds the
 * database locked by another process is retried with backoff through timers, for at most
 * `timeoutMs`, so live delivery goes on meanwhile; then it fails with SQLITE_BUSY, which the
 * gateway answers `unavailable`.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { HeraldEvent } from "@herald/protocol";
import Database from "better-sqlite3";
import type { TopicMeta } from "./history-store.js";
import { EVERYONE, type Notification, type NotificationInput, type NotificationQuery } from "./inbox-store.js";
import {
  buildNotifications,
  type EventRow,
  eventOf,
  eventValues,
  type NotificationRow,
  notificationOf,
  notificationValues,
} from "./rows.js";
import type { StateSnapshot } from "./state-snapshot-store.js";
import type { Store } from "./store.js";

/** Schema migrations, applied in order; `PRAGMA user_version` records how many ran. */
const MIGRATIONS: string[] = [
  `CREATE TABLE herald_events (
     topic TEXT NOT NULL, seq INTEGER NOT NULL, stream_offset INTEGER NOT NULL, id TEXT NOT NULL,
     epoch TEXT NOT NULL, event TEXT NOT NULL, ts INTEGER NOT NULL, data TEXT NOT NULL,
     source TEXT, sig TEXT, PRIMARY KEY (topic, seq));
   CREATE INDEX herald_events_offset ON herald_events (stream_offset);
   CREATE INDEX herald_events_id ON herald_events (id);
   CREATE TABLE herald_topics (topic TEXT PRIMARY KEY, epoch TEXT NOT NULL, seq INTEGER NOT NULL);
   CREATE TABLE herald_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE herald_snapshots (topic TEXT PRIMARY KEY, epoch TEXT NOT NULL, seq INTEGER NOT NULL,
     state TEXT NOT NULL, clocks TEXT NOT NULL);
   CREATE TABLE herald_notifications (
     id TEXT PRIMARY KEY, recipient TEXT NOT NULL, title TEXT NOT NULL, message TEXT NOT NULL,
     type TEXT NOT NULL, priority TEXT NOT NULL, action_url TEXT, data TEXT,
     created_at INTEGER NOT NULL, is_read INTEGER NOT NULL DEFAULT 0);
   CREATE INDEX herald_notifications_recipient ON herald_notifications (recipient, id);
   CREATE TABLE herald_reads (recipient TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (recipient, id));`,
];

export interface SqliteStoreOptions {
  /** File path; `:memory:` for a throwaway store. */
  path: string;
  /** Longest a call retries while another process holds the lock. @default 2000 */
  timeoutMs?: number;
}

/** Longest pause between two attempts on a locked database. */
const MAX_RETRY_PAUSE_MS = 50;

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

const VISIBLE = `SELECT n.id, n.recipient, n.title, n.message, n.type, n.priority, n.action_url, n.data, n.created_at,
  CASE WHEN n.recipient = '*' THEN EXISTS (SELECT 1 FROM herald_reads r WHERE r.recipient = @user AND r.id = n.id)
       ELSE n.is_read END AS is_read
  FROM herald_notifications n WHERE n.recipient IN (@user, '*')`;

export class SqliteStore implements Store {
  readonly kind = "sqlite";
  private db: Database.Database | undefined;

  constructor(private readonly options: SqliteStoreOptions) {}

  private get conn(): Database.Database {
    if (this.db === undefined) throw new Error("the store is not open");
    return this.db;
  }

  async open(): Promise<void> {
    if (this.options.path !== ":memory:") mkdirSync(dirname(this.options.path), { recursive: true });
    const db = new Database(this.options.path);
    try {
      db.pragma("busy_timeout = 0");
      await this.retry(() => db.pragma("journal_mode = WAL"));
      db.pragma("synchronous = FULL");
      await this.retry(() => {
        const version = db.pragma("user_version", { simple: true }) as number;
        if (version > MIGRATIONS.length) {
          throw new Error(
            `the store schema is version ${version}, newer than this Herald knows (${MIGRATIONS.length})`,
          );
        }
        db.transaction(() => {
          for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] as string);
          db.pragma(`user_version = ${MIGRATIONS.length}`);
        })();
      });
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
  }

  /** Runs `work` on the open database; see `retry`. */
  private run<T>(work: (db: Database.Database) => T): Promise<T> {
    const db = this.conn;
    return this.retry(() => work(db));
  }

  /**
   * Runs `work` (synchronous; one transaction at most, so a retry never repeats half of one),
   * retrying with backoff through timers while the database is locked, for at most `timeoutMs`.
   */
  private async retry<T>(work: () => T): Promise<T> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 2000);
    for (let pause = 1; ; pause = Math.min(pause * 2, MAX_RETRY_PAUSE_MS)) {
      try {
        return work();
      } catch (err) {
        if (!isBusy(err) || Date.now() + pause > deadline) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  async probe(): Promise<void> {
    // One attempt, no retry: the caller (the store's health) retries with its own backoff.
    const db = this.conn;
    db.prepare(
      "INSERT INTO herald_meta (key, value) VALUES ('probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ).run(String(Date.now()));
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
  }

  async append(events: readonly HeraldEvent[], stream: { epoch: string; offset: number }): Promise<void> {
    return this.run((db) => {
      const insert = db.prepare(
        "INSERT INTO herald_events (topic, seq, stream_offset, id, epoch, event, ts, data, source, sig) VALUES (?,?,?,?,?,?,?,?,?,?)",
      );
      const topic = db.prepare(
        "INSERT INTO herald_topics (topic, epoch, seq) VALUES (?,?,?) ON CONFLICT (topic) DO UPDATE SET epoch = excluded.epoch, seq = MAX(seq, excluded.seq)",
      );
      const meta = db.prepare(
        "INSERT INTO herald_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      );
      db.transaction(() => {
        for (const e of events) {
          insert.run(...eventValues(e));
          topic.run(e.topic, e.epoch, e.seq);
        }
        meta.run("stream", JSON.stringify(stream));
      })();
    });
  }

  async topics(): Promise<TopicMeta[]> {
    return this.run((db) => {
      return db.prepare("SELECT topic, epoch, seq FROM herald_topics").all() as TopicMeta[];
    });
  }

  async topic(topic: string): Promise<TopicMeta | undefined> {
    return this.run(
      (db) =>
        db.prepare("SELECT topic, epoch, seq FROM herald_topics WHERE topic = ?").get(topic) as TopicMeta | undefined,
    );
  }

  async events(topic: string, afterSeq: number, limit: number): Promise<HeraldEvent[]> {
    return this.run((db) => {
      const rows = db
        .prepare("SELECT * FROM herald_events WHERE topic = ? AND seq > ? ORDER BY seq LIMIT ?")
        .all(topic, afterSeq, limit) as EventRow[];
      return rows.map(eventOf);
    });
  }

  async streamTail(limit: number): Promise<HeraldEvent[]> {
    return this.run((db) => {
      const rows = db
        .prepare("SELECT * FROM herald_events ORDER BY stream_offset DESC LIMIT ?")
        .all(limit) as EventRow[];
      return rows.reverse().map(eventOf);
    });
  }

  async streamPosition(): Promise<{ epoch: string; offset: number } | undefined> {
    const row = this.conn.prepare("SELECT value FROM herald_meta WHERE key = 'stream'").get() as
      | { value: string }
      | undefined;
    return row === undefined ? undefined : JSON.parse(row.value);
  }

  async trim(topic: string, uptoSeq: number, before: number): Promise<number> {
    return this.run((db) => {
      return db.transaction(() => {
        const removed = db
          .prepare("DELETE FROM herald_events WHERE topic = ? AND (seq <= ? OR ts < ?) RETURNING stream_offset")
          .all(topic, uptoSeq, before) as Array<{ stream_offset: number }>;
        if (removed.length > 0) {
          const top = Math.max(...removed.map((r) => r.stream_offset));
          db.prepare(
            `INSERT INTO herald_meta (key, value) VALUES ('trimmed', ?)
             ON CONFLICT (key) DO UPDATE SET value = MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))`,
          ).run(String(top));
        }
        return removed.length;
      })();
    });
  }

  async trimmedOffset(): Promise<number> {
    return this.run((db) => {
      const row = db.prepare("SELECT value FROM herald_meta WHERE key = 'trimmed'").get() as
        | { value: string }
        | undefined;
      return row === undefined ? 0 : Number(row.value);
    });
  }

  async saveSnapshot(s: StateSnapshot): Promise<void> {
    return this.run((db) => {
      db.prepare(
        `INSERT INTO herald_snapshots (topic, epoch, seq, state, clocks) VALUES (?,?,?,?,?)
           ON CONFLICT (topic) DO UPDATE SET epoch = excluded.epoch, seq = excluded.seq, state = excluded.state, clocks = excluded.clocks`,
      ).run(s.topic, s.epoch, s.seq, JSON.stringify(s.state), JSON.stringify(s.clocks));
    });
  }

  async loadSnapshot(topic: string): Promise<StateSnapshot | undefined> {
    return this.run((db) => {
      const r = db.prepare("SELECT * FROM herald_snapshots WHERE topic = ?").get(topic) as
        | { topic: string; epoch: string; seq: number; state: string; clocks: string }
        | undefined;
      if (r === undefined) return undefined;
      return { topic: r.topic, epoch: r.epoch, seq: r.seq, state: JSON.parse(r.state), clocks: JSON.parse(r.clocks) };
    });
  }

  async addNotifications(users: readonly string[], input: NotificationInput, now: number): Promise<Notification[]> {
    return this.run((db) => {
      const list = buildNotifications(users, input, now);
      const insert = db.prepare(
        "INSERT INTO herald_notifications (id, recipient, title, message, type, priority, action_url, data, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
      );
      db.transaction(() => {
        for (const n of list) insert.run(...notificationValues(n));
      })();
      return list;
    });
  }

  async listNotifications(user: string, q: NotificationQuery): Promise<Notification[]> {
    return this.run((db) => {
      let sql = `SELECT * FROM (${VISIBLE}) WHERE 1 = 1`;
      if (q.unread === true) sql += " AND is_read = 0";
      if (q.before !== undefined) sql += " AND id < @before";
      sql += " ORDER BY id DESC LIMIT @limit";
      const params: Record<string, unknown> = { user, limit: q.limit };
      if (q.before !== undefined) params.before = q.before;
      return (db.prepare(sql).all(params) as NotificationRow[]).map(notificationOf);
    });
  }

  async unreadCount(user: string): Promise<number> {
    return this.run((db) => {
      const r = db.prepare(`SELECT COUNT(*) AS n FROM (${VISIBLE}) WHERE is_read = 0`).get({ user }) as {
        n: number;
      };
      return r.n;
    });
  }

  async markRead(user: string, id: string): Promise<boolean> {
    return this.run((db) => {
      const row = db.prepare("SELECT recipient FROM herald_notifications WHERE id = ?").get(id) as
        | { recipient: string }
        | undefined;
      if (row === undefined || (row.recipient !== user && row.recipient !== EVERYONE)) return false;
      if (row.recipient === EVERYONE) {
        db.prepare("INSERT INTO herald_reads (recipient, id) VALUES (?, ?) ON CONFLICT DO NOTHING").run(user, id);
      } else {
        db.prepare("UPDATE herald_notifications SET is_read = 1 WHERE id = ?").run(id);
      }
      return true;
    });
  }

  async markAllRead(user: string): Promise<number> {
    return this.run((db) => {
      return db.transaction(() => {
        const own = db
          .prepare("UPDATE herald_notifications SET is_read = 1 WHERE recipient = ? AND is_read = 0")
          .run(user);
        const all = db
          .prepare(
            `INSERT INTO herald_reads (recipient, id) SELECT ?, id FROM herald_notifications n
             WHERE n.recipient = '*' AND NOT EXISTS (SELECT 1 FROM herald_reads r WHERE r.recipient = ? AND r.id = n.id)`,
          )
          .run(user, user);
        return own.changes + all.changes;
      })();
    });
  }

  async pruneNotifications(maxPerUser: number, before: number): Promise<number> {
    return this.run((db) => {
      return db.transaction(() => {
        let removed = 0;
        if (before > 0)
          removed += db.prepare("DELETE FROM herald_notifications WHERE created_at < ?").run(before).changes;
        if (maxPerUser > 0) {
          removed += db
            .prepare(
              `DELETE FROM herald_notifications WHERE id IN (SELECT id FROM (SELECT id,
                 ROW_NUMBER() OVER (PARTITION BY recipient ORDER BY id DESC) AS rn FROM herald_notifications) WHERE rn > ?)`,
            )
            .run(maxPerUser).changes;
        }
        if (removed > 0) {
          db.prepare(
            "DELETE FROM herald_reads WHERE NOT EXISTS (SELECT 1 FROM herald_notifications n WHERE n.id = herald_reads.id)",
          ).run();
        }
        return removed;
      })();
    });
  }
}
