/**
 * Postgres logical replication connector (`pgoutput` through `pg-logical-replication`): a
 * publication for `tables` and a replication slot, both created when missing (the server needs
 * `wal_level=logical`). Row changes become events in commit order; the slot's position (and the
 * checkpoint) moves past a transaction only after every change in it and before it was kept, so
 * after a crash Postgres resends from there. The event id is `{name}:{commit LSN}:{index in the
 * transaction}`, the same on a resend, so subscribers see each change once. A slot is read by one
 * connection at a time: other nodes fail to attach and retry, taking over when the reader dies.
 */

import pg from "pg";
import { LogicalReplicationService, type Pgoutput, PgoutputPlugin } from "pg-logical-replication";
import { ContiguousCheckpoint } from "./checkpointer.js";
import type { ConnectorConfig } from "./connector-config.js";
import { checkOptions } from "./options.js";
import { type ConnectorDeps, SourceConnector, StoppedError } from "./source.js";

/** `options` of a `pg-logical` connector. */
export interface PgLogicalOptions {
  /** Postgres connection string (a role with REPLICATION). */
  url: string;
  /** Tables (optionally schema-qualified) in the publication. */
  tables: string[];
  /** Publication name (created FOR TABLE `tables` when missing). @default "herald_{name}" */
  publication?: string;
  /** Replication slot name (created with `pgoutput` when missing). @default "herald_{name}" */
  slot?: string;
  /** Columns whose values make a change's `key` (order per key, `{key}` in templates). @default the table's replica identity (primary key) */
  keyColumns?: string[];
}

const IDENT = "^[a-z_][a-z0-9_]{0,62}(\\.[a-z_][a-z0-9_]{0,62})?$";

const schema = {
  type: "object",
  additionalProperties: false,
  required: ["url", "tables"],
  properties: {
    url: { type: "string", pattern: "^postgres(ql)?://" },
    tables: { type: "array", minItems: 1, items: { type: "string", pattern: IDENT } },
    publication: { type: "string", pattern: "^[a-z_][a-z0-9_]{0,62}$" },
    slot: { type: "string", pattern: "^[a-z_][a-z0-9_]{0,62}$" },
    keyColumns: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
  },
};

/** pgoutput values can be BigInt: events carry them as strings (JSON has no BigInt). */
function plain(row: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (row === null || row === undefined) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === "bigint" ? v.toString() : v;
  return out;
}

export class PgLogicalConnector extends SourceConnector {
  readonly type = "pg-logical";
  private readonly options: PgLogicalOptions;
  private readonly publication: string;
  private readonly slot: string;
  private service: LogicalReplicationService | undefined;
  private checkpoint = new ContiguousCheckpoint<string | undefined>();
  private txn = { lsn: "", index: 0 };
  private acks: Promise<void> = Promise.resolve();

  constructor(config: ConnectorConfig, deps: ConnectorDeps) {
    super(config, deps, "{table}.{key}");
    this.options = checkOptions<PgLogicalOptions>(config.name, schema, config.options);
    const base = `herald_${config.name.toLowerCase().replace(/-/g, "_")}`;
    this.publication = this.options.publication ?? base;
    this.slot = this.options.slot ?? base;
  }

  protected async connect(): Promise<void> {
    await this.install();
    const saved = await this.context.checkpoints.load(this.name);
    this.checkpoint = new ContiguousCheckpoint<string | undefined>(saved);
    const service = new LogicalReplicationService(
      { connectionString: this.options.url, application_name: `herald-${this.name}` },
      // No automatic acknowledgement: the position moves only past what the pipeline kept.
      { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
    );
    this.service = service;
    service.on("data", (lsn: string, message: Pgoutput.Message) => this.receive(lsn, message));
    service.on("heartbeat", (_lsn: string, _ts: number, reply: boolean) => {
      const at = this.checkpoint.position;
      if (reply && at !== undefined) void service.acknowledge(at).catch(() => {});
    });
    service.on("error", (err: Error) => {
      if (this.service === service) this.lost(err);
    });
    const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [this.publication] });
    await new Promise<void>((resolve, reject) => {
      service.once("start", () => resolve());
      service.subscribe(plugin, this.slot, saved ?? "0/00000000").then(
        () => {
          // The stream ended (connection closed) without a stop: reconnect.
          if (this.service === service) this.lost(new Error("replication stream ended"));
          reject(new Error("replication stream ended"));
        },
        (err: unknown) => {
          if (this.service === service) this.lost(err);
          reject(err);
        },
      );
    });
  }

  protected async disconnect(): Promise<void> {
    const service = this.service;
    this.service = undefined;
    await this.acks;
    await service?.destroy().catch(() => {});
  }

  /** Creates the publication and the slot when missing (idempotent). */
  private async install(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url });
    client.on("error", () => {});
    await client.connect();
    try {
      const pub = await client.query("SELECT 1 FROM pg_publication WHERE pubname = $1", [this.publication]);
      if (pub.rowCount === 0) {
        await client.query(`CREATE PUBLICATION ${this.publication} FOR TABLE ${this.options.tables.join(", ")}`);
      }
      const slot = await client.query("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [this.slot]);
      if (slot.rowCount === 0) {
        await client.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [this.slot]);
      }
    } finally {
      await client.end().catch(() => {});
    }
  }

  private async receive(lsn: string, message: Pgoutput.Message): Promise<void> {
    switch (message.tag) {
      case "begin":
        this.txn = { lsn: message.commitLsn ?? lsn, index: 0 };
        return;
      case "commit": {
        // The end of a transaction is the only place to resume from.
        const entry = this.checkpoint.track(message.commitEndLsn ?? lsn);
        this.advance(this.checkpoint.done(entry));
        return;
      }
      case "insert":
      case "update":
      case "delete":
        break;
      default:
        return; // relation, type, origin, truncate, message: nothing to publish
    }
    await this.room(); // flow control: the stream stays paused while this waits
    const rel = message.relation;
    const row = plain(message.tag === "delete" ? (message.old ?? message.key) : message.new);
    const old = plain(message.tag === "insert" ? null : message.old);
    const keyRow = row ?? {};
    const key = (this.options.keyColumns ?? rel.keyColumns).map((c) => String(keyRow[c] ?? "")).join(",");
    const entry = this.checkpoint.track(undefined);
    this.setLag(this.checkpoint.unfinished);
    const index = this.txn.index++;
    this.offer({
      sourceId: `${this.txn.lsn}:${index}`,
      key: `${rel.schema}.${rel.name}\u0000${key}`,
      data: row,
      fields: { table: rel.name, schema: rel.schema, op: message.tag, key, row, old, lsn: this.txn.lsn },
    }).then(
      () => this.advance(this.checkpoint.done(entry)),
      (err) => {
        // Not acknowledged: Postgres resends the transaction after a reconnect (same ids).
        if (!(err instanceof StoppedError)) this.lost(err);
      },
    );
  }

  /** Acknowledges `lsn` to the slot and commits it as the checkpoint, in order. */
  private advance(lsn: string | undefined): void {
    if (lsn === undefined) return;
    const service = this.service;
    this.acks = this.acks
      .then(async () => {
        await service?.acknowledge(lsn);
        await this.context.checkpoints.save(this.name, lsn);
      })
      .catch((err) => this.log.warn({ err }, "checkpoint not saved"));
  }
}

/** Builds a `pg-logical` connector. */
export function createPgLogicalConnector(config: ConnectorConfig, deps: ConnectorDeps): PgLogicalConnector {
  return new PgLogicalConnector(config, deps);
}
