/**
 * The Postgres store (`pg`). Herald creates its schema and migrates it itself: every
 * migration runs once, in order, under an advisory lock, recorded in `herald_migrations`, so
 * several gateways starting together against one database are safe.
 */
import type { HeraldEvent } from "@herald/protocol";
import pg from "pg";
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
import { isStoreOutage } from "./store-errors.js";

const MIGRATIONS: string[] = [
  `CREATE TABLE herald_events (
     topic TEXT NOT NULL, seq BIGINT NOT NULL, stream_offset BIGINT NOT NULL, id TEXT NOT NULL,
     epoch TEXT NOT NULL, event TEXT NOT NULL, ts BIGINT NOT NULL, data TEXT NOT NULL,
     source TEXT, sig TEXT, PRIMARY KEY (topic, seq));
   CREATE INDEX herald_events_offset ON herald_events (stream_offset);
   CREATE INDEX herald_events_id ON herald_events (id);
   CREATE TABLE herald_topics (topic TEXT PRIMARY KEY, epoch TEXT NOT NULL, seq BIGINT NOT NULL);
   CREATE TABLE herald_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE herald_snapshots (topic TEXT PRIMARY KEY, epoch TEXT NOT NULL, seq BIGINT NOT NULL,
     state TEXT NOT NULL, clocks TEXT NOT NULL);
   CREATE TABLE herald_notifications (
     id TEXT PRIMARY KEY, recipient TEXT NOT NULL, title TEXT NOT NULL, message TEXT NOT NULL,
     type TEXT NOT NULL, priority TEXT NOT NULL, action_url TEXT, data TEXT,
     created_at BIGINT NOT NULL, is_read BOOLEAN NOT NULL DEFAULT FALSE);
   CREATE INDEX herald_notifications_recipient ON herald_notifications (recipient, id);
   CREATE TABLE herald_reads (recipient TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (recipient, id));`,
];

/** Arbitrary fixed key of the advisory lock held while migrating. */
const MIGRATION_LOCK = 0x4845524c;

export interface PostgresStoreOptions {
  /** Connection string, e.g. `postgres://postgres@127.0.0.1:5432/herald`. */
  url: string;
  /** Schema holding Herald's tables; created when missing. @default "herald" */
  schema?: string;
  /** Pool size. @default 10 */
  poolSize?: number;
  /** Longest wait for a connection and for each query before it fails (an outage). @default 2000 */
  timeoutMs?: number;
}

const VISIBLE = `SELECT n.id, n.recipient, n.title, n.message, n.type, n.priority, n.action_url, n.data, n.created_at,
  CASE WHEN n.recipient = '*' THEN EXISTS (SELECT 1 FROM herald_reads r WHERE r.recipient = $1 AND r.id = n.id)
       ELSE n.is_read END AS is_read
  FROM herald_notifications n WHERE n.recipient IN ($1, '*')`;

export class PostgresStore implements Store {
  readonly kind = "postgres";
  private pool: pg.Pool | undefined;
  readonly schema: string;

  constructor(private readonly options: PostgresStoreOptions) {
    this.schema = options.schema ?? "herald";
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema)) throw new Error(`invalid Postgres schema name "${this.schema}"`);
  }

  private get db(): pg.Pool {
    if (this.pool === undefined) throw new Error("the store is not open");
    return this.pool;
  }

  async open(): Promise<void> {
    const pool = new pg.Pool({
      connectionString: this.options.url,
      max: this.options.poolSize ?? 10,
      // A stopped or stalled server must fail a call, not hang it (and the publishes behind it).
      connectionTimeoutMillis: this.options.timeoutMs ?? 2000,
      query_timeout: this.options.timeoutMs ?? 2000,
      options: `-c search_path=${this.schema}`,
    });
    pool.on("error", () => {}); // an idle client's error surfaces on the next query instead
    const client = await pool.connect();
    try {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
        await client.query(
          "CREATE TABLE IF NOT EXISTS herald_migrations (version INTEGER PRIMARY KEY, at BIGINT NOT NULL)",
        );
        const { rows } = await client.query("SELECT COALESCE(MAX(version), 0) AS v FROM herald_migrations");
        const version = Number(rows[0].v);
        if (version > MIGRATIONS.length) {
          throw new Error(
            `the store schema is version ${version}, newer than this Herald knows (${MIGRATIONS.length})`,
          );
        }
        for (let v = version; v < MIGRATIONS.length; v++) {
          await client.query("BEGIN");
          try {
            await client.query(MIGRATIONS[v] as string);
            await client.query("INSERT INTO herald_migrations (version, at) VALUES ($1, $2)", [v + 1, Date.now()]);
            await client.query("COMMIT");
          } catch (err) {
            await client.query("ROLLBACK");
            throw err;
          }
        }
      } finally {
        await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
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

  private async tx<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.db.connect();
    let failed: unknown;
    try {
      await c.query("BEGIN");
      const out = await work(c);
      await c.query("COMMIT");
      return out;
    } catch (err) {
      failed = err;
      await c.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      // A connection that failed mid-transaction (timeout, reset) is not reused.
      c.release(failed instanceof Error && isStoreOutage(failed) ? failed : undefined);
    }
  }

  async probe(): Promise<void> {
    await this.db.query(
      "INSERT INTO herald_meta (key, value) VALUES ('probe', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [String(Date.now())],
    );
  }

  async append(events: readonly HeraldEvent[], stream: { epoch: string; offset: number }): Promise<void> {
    if (events.length === 0 && stream === undefined) return;
    await this.tx(async (c) => {
      // One multi-row insert per batch: one round trip however many events were grouped.
      for (let i = 0; i < events.length; i += 500) {
        const chunk = events.slice(i, i + 500);
        const values: unknown[] = [];
        const rows = chunk.map((e, j) => {
          values.push(...eventValues(e));
          const b = j * 10;
          return `($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5},$${b + 6},$${b + 7},$${b + 8},$${b + 9},$${b + 10})`;
        });
        await c.query(
          `INSERT INTO herald_events (topic, seq, stream_offset, id, epoch, event, ts, data, source, sig) VALUES ${rows.join(",")}`,
          values,
        );
      }
      const last = new Map<string, HeraldEvent>();
      for (const e of events) last.set(e.topic, e);
      if (last.size > 0) {
        const values: unknown[] = [];
        const rows = [...last.values()].map((e, j) => {
          values.push(e.topic, e.epoch, e.seq);
          return `($${j * 3 + 1},$${j * 3 + 2},$${j * 3 + 3})`;
        });
        await c.query(
          `INSERT INTO herald_topics (topic, epoch, seq) VALUES ${rows.join(",")}
           ON CONFLICT (topic) DO UPDATE SET epoch = EXCLUDED.epoch, seq = GREATEST(herald_topics.seq, EXCLUDED.seq)`,
          values,
        );
      }
      await c.query(
        "INSERT INTO herald_meta (key, value) VALUES ('stream', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [JSON.stringify(stream)],
      );
    });
  }

  async topics(): Promise<TopicMeta[]> {
    const { rows } = await this.db.query("SELECT topic, epoch, seq FROM herald_topics");
    return rows.map((r) => ({ topic: r.topic, epoch: r.epoch, seq: Number(r.seq) }));
  }

  async topic(topic: string): Promise<TopicMeta | undefined> {
    const { rows } = await this.db.query("SELECT topic, epoch, seq FROM herald_topics WHERE topic = $1", [topic]);
    const r = rows[0];
    return r === undefined ? undefined : { topic: r.topic, epoch: r.epoch, seq: Number(r.seq) };
  }

  async events(topic: string, afterSeq: number, limit: number): Promise<HeraldEvent[]> {
    const { rows } = await this.db.query<EventRow>(
      "SELECT * FROM herald_events WHERE topic = $1 AND seq > $2 ORDER BY seq LIMIT $3",
      [topic, afterSeq, limit],
    );
    return rows.map(eventOf);
  }

  async streamTail(limit: number): Promise<HeraldEvent[]> {
    const { rows } = await this.db.query<EventRow>("SELECT * FROM herald_events ORDER BY stream_offset DESC LIMIT $1", [
      limit,
    ]);
    return rows.reverse().map(eventOf);
  }

  async streamPosition(): Promise<{ epoch: string; offset: number } | undefined> {
    const { rows } = await this.db.query("SELECT value FROM herald_meta WHERE key = 'stream'");
    return rows.length === 0 ? undefined : JSON.parse(rows[0].value);
  }

  async trim(topic: string, uptoSeq: number, before: number): Promise<number> {
    return this.tx(async (c) => {
      const r = await c.query(
        "DELETE FROM herald_events WHERE topic = $1 AND (seq <= $2 OR ts < $3) RETURNING stream_offset",
        [topic, uptoSeq, before],
      );
      if (r.rows.length > 0) {
        const top = Math.max(...r.rows.map((row) => Number(row.stream_offset)));
        await c.query(
          `INSERT INTO herald_meta (key, value) VALUES ('trimmed', $1) ON CONFLICT (key)
           DO UPDATE SET value = GREATEST(herald_meta.value::BIGINT, EXCLUDED.value::BIGINT)::TEXT`,
          [String(top)],
        );
      }
      return r.rows.length;
    });
  }

  async trimmedOffset(): Promise<number> {
    const { rows } = await this.db.query("SELECT value FROM herald_meta WHERE key = 'trimmed'");
    return rows.length === 0 ? 0 : Number(rows[0].value);
  }

  async saveSnapshot(s: StateSnapshot): Promise<void> {
    await this.db.query(
      `INSERT INTO herald_snapshots (topic, epoch, seq, state, clocks) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT (topic) DO UPDATE SET epoch = EXCLUDED.epoch, seq = EXCLUDED.seq, state = EXCLUDED.state, clocks = EXCLUDED.clocks`,
      [s.topic, s.epoch, s.seq, JSON.stringify(s.state), JSON.stringify(s.clocks)],
    );
  }

  async loadSnapshot(topic: string): Promise<StateSnapshot | undefined> {
    const { rows } = await this.db.query("SELECT * FROM herald_snapshots WHERE topic = $1", [topic]);
    const r = rows[0];
    if (r === undefined) return undefined;
    return {
      topic: r.topic,
      epoch: r.epoch,
      seq: Number(r.seq),
      state: JSON.parse(r.state),
      clocks: JSON.parse(r.clocks),
    };
  }

  async addNotifications(users: readonly string[], input: NotificationInput, now: number): Promise<Notification[]> {
    const list = buildNotifications(users, input, now);
    await this.tx(async (c) => {
      for (let i = 0; i < list.length; i += 500) {
        const values: unknown[] = [];
        const rows = list.slice(i, i + 500).map((n, j) => {
          values.push(...notificationValues(n));
          const b = j * 9;
          return `(${Array.from({ length: 9 }, (_, k) => `$${b + k + 1}`).join(",")})`;
        });
        await c.query(
          `INSERT INTO herald_notifications (id, recipient, title, message, type, priority, action_url, data, created_at) VALUES ${rows.join(",")}`,
          values,
        );
      }
    });
    return list;
  }

  async listNotifications(user: string, q: NotificationQuery): Promise<Notification[]> {
    const params: unknown[] = [user, q.limit];
    let sql = `SELECT * FROM (${VISIBLE}) v WHERE TRUE`;
    if (q.unread === true) sql += " AND NOT is_read";
    if (q.before !== undefined) {
      params.push(q.before);
      sql += " AND id < $3";
    }
    sql += " ORDER BY id DESC LIMIT $2";
    const { rows } = await this.db.query<NotificationRow>(sql, params);
    return rows.map(notificationOf);
  }

  async unreadCount(user: string): Promise<number> {
    const { rows } = await this.db.query(`SELECT COUNT(*) AS n FROM (${VISIBLE}) v WHERE NOT is_read`, [user]);
    return Number(rows[0].n);
  }

  async markRead(user: string, id: string): Promise<boolean> {
    const { rows } = await this.db.query("SELECT recipient FROM herald_notifications WHERE id = $1", [id]);
    const recipient = rows[0]?.recipient as string | undefined;
    if (recipient === undefined || (recipient !== user && recipient !== EVERYONE)) return false;
    if (recipient === EVERYONE) {
      await this.db.query("INSERT INTO herald_reads (recipient, id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [
        user,
        id,
      ]);
    } else {
      await this.db.query("UPDATE herald_notifications SET is_read = TRUE WHERE id = $1", [id]);
    }
    return true;
  }

  async markAllRead(user: string): Promise<number> {
    return this.tx(async (c) => {
      const own = await c.query("UPDATE herald_notifications SET is_read = TRUE WHERE recipient = $1 AND NOT is_read", [
        user,
      ]);
      const all = await c.query(
        `INSERT INTO herald_reads (recipient, id) SELECT $1, id FROM herald_notifications n
         WHERE n.recipient = '*' AND NOT EXISTS (SELECT 1 FROM herald_reads r WHERE r.recipient = $1 AND r.id = n.id)`,
        [user],
      );
      return (own.rowCount ?? 0) + (all.rowCount ?? 0);
    });
  }

  async pruneNotifications(maxPerUser: number, before: number): Promise<number> {
    return this.tx(async (c) => {
      let removed = 0;
      if (before > 0) {
        removed += (await c.query("DELETE FROM herald_notifications WHERE created_at < $1", [before])).rowCount ?? 0;
      }
      if (maxPerUser > 0) {
        const r = await c.query(
          `DELETE FROM herald_notifications WHERE id IN (SELECT id FROM (SELECT id,
             ROW_NUMBER() OVER (PARTITION BY recipient ORDER BY id DESC) AS rn FROM herald_notifications) v WHERE rn > $1)`,
          [maxPerUser],
        );
        removed += r.rowCount ?? 0;
      }
      if (removed > 0) {
        await c.query(
          "DELETE FROM herald_reads WHERE NOT EXISTS (SELECT 1 FROM herald_notifications n WHERE n.id = herald_reads.id)",
        );
      }
      return removed;
    });
  }
}
