/**
 * Postgres LISTEN/NOTIFY connector. Herald installs (when `install` is true) an outbox table, a
 * trigger function and a trigger on each of `tables`: every row change is written to the
 * outbox in the same transaction as the change, then `pg_notify` wakes the connector. The
 * connector reads the outbox in id order, offers each change and deletes it only after the
 * pipeline kept it — a NOTIFY missed while disconnected loses nothing (the outbox is read on
 * every (re)connect and every `pollMs`). One node reads at a time: the leader holds a session
 * advisory lock, and another node takes over when that connection dies. The event id is
 * `{name}:{outbox id}`.
 */
import pg from "pg";
import { ConfigError } from "../config-error.js";
import type { ConnectorConfig } from "./connector-config.js";
import { checkOptions } from "./options.js";
import { type ConnectorDeps, SourceConnector, StoppedError } from "./source.js";

/** `options` of a `pg-listen` connector. */
export interface PgListenOptions {
  /** Postgres connection string. */
  url: string;
  /** Tables (optionally schema-qualified) whose row changes become events. @default [] */
  tables: string[];
  /** Create the outbox, the trigger function and the triggers at start. @default true */
  install: boolean;
  /** The outbox table. @default "herald_outbox_{name}" */
  outbox?: string;
  /** NOTIFY channel. @default the outbox name */
  channel?: string;
  /** Column whose value is a change's `key` (order per key, `{key}` in templates). @default "id" */
  keyColumn: string;
  /** Most changes read per query. @default 100 */
  batch: number;
  /** Read the outbox this often even without a NOTIFY, ms; also how often a standby tries to lead. @default 5000 */
  pollMs: number;
}

const IDENT = "^[a-z_][a-z0-9_]{0,62}(\\.[a-z_][a-z0-9_]{0,62})?$";

const schema = {
  type: "object",
  additionalProperties: false,
  required: ["url"],
  properties: {
    url: { type: "string", pattern: "^postgres(ql)?://" },
    tables: { type: "array", items: { type: "string", pattern: IDENT }, default: [] },
    install: { type: "boolean", default: true },
    outbox: { type: "string", pattern: IDENT },
    channel: { type: "string", pattern: "^[a-z_][a-z0-9_]{0,62}$" },
    keyColumn: { type: "string", pattern: "^[a-z_][a-z0-9_]{0,62}$", default: "id" },
    batch: { type: "integer", minimum: 1, maximum: 10_000, default: 100 },
    pollMs: { type: "integer", minimum: 10, default: 5000 },
  },
};

/** The SQL that installs the outbox, its trigger function and one trigger per table (idempotent). */
export function installSql(outbox: string, channel: string, keyColumn: string, tables: readonly string[]): string {
  const fn = `${outbox}_fn`;
  const trigger = outbox.replace(/^.*\./, "");
  return [
    `CREATE TABLE IF NOT EXISTS ${outbox} (id BIGSERIAL PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL,
       key TEXT, row JSONB, old JSONB, at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $fn$
     DECLARE r JSONB; o JSONB;
     BEGIN
       IF TG_OP <> 'DELETE' THEN r := to_jsonb(NEW); END IF;
       IF TG_OP <> 'INSERT' THEN o := to_jsonb(OLD); END IF;
       INSERT INTO ${outbox} (tbl, op, key, row, old)
         VALUES (TG_TABLE_NAME, lower(TG_OP), coalesce(r, o) ->> TG_ARGV[0], r, o);
       PERFORM pg_notify(TG_ARGV[1], '');
       RETURN NULL;
     END $fn$`,
    ...tables.map(
      (t) =>
        `CREATE OR REPLACE TRIGGER ${trigger} AFTER INSERT OR UPDATE OR DELETE ON ${t}
         FOR EACH ROW EXECUTE FUNCTION ${fn}('${keyColumn}', '${channel}')`,
    ),
  ].join(";\n");
}

interface OutboxRow {
  id: string;
  tbl: string;
  op: string;
  key: string | null;
  row: Record<string, unknown> | null;
  old: Record<string, unknown> | null;
}

export class PgListenConnector extends SourceConnector {
  readonly type = "pg-listen";
  private readonly options: PgListenOptions;
  private readonly outbox: string;
  private readonly channel: string;
  /** Holds LISTEN and the leader's advisory lock. */
  private client: pg.Client | undefined;
  /** Reads and deletes outbox rows (a client runs one query at a time). */
  private pool: pg.Pool | undefined;
  private readonly inFlightIds = new Set<string>();
  private wake: (() => void) | undefined;
  /** A NOTIFY arrived since the last read (it may come while a query runs). */
  private notified = false;
  private loop: Promise<void> | undefined;
  /** True while this node holds the advisory lock. */
  leader = false;

  constructor(config: ConnectorConfig, deps: ConnectorDeps) {
    super(config, deps, "{table}.{key}");
    this.options = checkOptions<PgListenOptions>(config.name, schema, config.options);
    this.outbox = this.options.outbox ?? `herald_outbox_${config.name.toLowerCase().replace(/-/g, "_")}`;
    this.channel = this.options.channel ?? this.outbox.replace(/^.*\./, "");
    if (this.options.install && this.options.tables.length === 0) {
      throw new ConfigError([`connector "${config.name}": options.tables is needed when options.install is true`]);
    }
  }

  protected async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url, application_name: `herald-${this.name}` });
    client.on("error", (err) => {
      if (this.client === client) this.lost(err);
    });
    client.on("end", () => {
      if (this.client === client) this.lost(new Error("postgres connection closed"));
    });
    await client.connect();
    this.client = client;
    this.pool = new pg.Pool({ connectionString: this.options.url, max: 2, application_name: `herald-${this.name}` });
    this.pool.on("error", () => {}); // a failing query reports it
    if (this.options.install) {
      await client.query(installSql(this.outbox, this.channel, this.options.keyColumn, this.options.tables));
    }
    client.on("notification", () => {
      this.notified = true;
      this.wake?.();
    });
    await client.query(`LISTEN ${this.channel}`);
    this.loop = this.read(client).catch((err) => {
      if (this.client === client) this.lost(err);
    });
  }

  protected async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.leader = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    this.inFlightIds.clear();
    await client?.end().catch(() => {});
    await this.pool?.end().catch(() => {});
    this.pool = undefined;
  }

  private async read(client: pg.Client): Promise<void> {
    const { batch, pollMs } = this.options;
    while (!this.stopped && this.client === client) {
      if (!this.leader) {
        const { rows } = await client.query("SELECT pg_try_advisory_lock(hashtext($1)) AS ok", [`herald:${this.name}`]);
        this.leader = (rows[0] as { ok: boolean }).ok;
      }
      let read = 0;
      if (this.leader) {
        await this.room();
        if (this.stopped || this.client !== client) return;
        const limit = Math.min(batch, this.config.maxInFlight - this.inFlight);
        this.notified = false;
        const { rows } = await (this.pool as pg.Pool).query<OutboxRow>(
          `SELECT o.id::text AS id, o.tbl, o.op, o.key, o.row, o.old FROM ${this.outbox} o
            WHERE NOT (o.id = ANY($1::bigint[])) ORDER BY o.id LIMIT $2`,
          [[...this.inFlightIds], Math.max(1, limit)],
        );
        for (const r of rows) this.handle(client, r);
        read = rows.length;
        this.setLag(this.inFlightIds.size);
      }
      if (read === 0) await this.idle(pollMs);
    }
  }

  /** Waits for a NOTIFY, `ms`, or the stop. */
  private idle(ms: number): Promise<void> {
    if (this.notified) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.stopping.signal.removeEventListener("abort", done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.stopping.signal.addEventListener("abort", done, { once: true });
      this.wake = done;
    });
  }

  private handle(client: pg.Client, r: OutboxRow): void {
    this.inFlightIds.add(r.id);
    const data = r.row ?? r.old;
    this.offer({
      sourceId: r.id,
      key: `${r.tbl}\u0000${r.key ?? ""}`,
      data,
      fields: { table: r.tbl, op: r.op, key: r.key, row: r.row, old: r.old },
    })
      .then(async () => {
        if (this.client === client) await this.pool?.query(`DELETE FROM ${this.outbox} WHERE id = $1`, [r.id]);
        this.inFlightIds.delete(r.id);
      })
      .catch((err) => {
        // Not deleted: read again after a reconnect (same id → duplicate).
        if (!(err instanceof StoppedError) && this.client === client) this.lost(err);
      });
  }
}

/** Builds a `pg-listen` connector. */
export function createPgListenConnector(config: ConnectorConfig, deps: ConnectorDeps): PgListenConnector {
  return new PgListenConnector(config, deps);
}
