/**
 * Checkpoints in the gateway's Postgres store (`store.url`, `store.schema`), in their own
 * table and a small pool of their own, so connectors never wait behind history writes.
 */
import pg from "pg";
import type { CheckpointStore } from "./connector.js";

export class PostgresCheckpointStore implements CheckpointStore {
  private pool: pg.Pool | undefined;
  private ready: Promise<void> | undefined;

  /** @param schema Postgres schema holding the table. @default "herald" */
  constructor(
    private readonly url: string,
    private readonly schema = "herald",
  ) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid Postgres schema name "${schema}"`);
  }

  private open(): Promise<pg.Pool> {
    if (this.pool === undefined) this.pool = new pg.Pool({ connectionString: this.url, max: 2 });
    const pool = this.pool;
    this.ready ??= pool
      .query(
        `CREATE SCHEMA IF NOT EXISTS ${this.schema};
         CREATE TABLE IF NOT EXISTS ${this.schema}.connector_checkpoints (
           name TEXT PRIMARY KEY, checkpoint TEXT NOT NULL, updated_at BIGINT NOT NULL)`,
      )
      .then(
        () => {},
        (err) => {
          this.ready = undefined;
          throw err;
        },
      );
    return this.ready.then(() => pool);
  }

  async load(name: string): Promise<string | undefined> {
    const pool = await this.open();
    const { rows } = await pool.query(`SELECT checkpoint FROM ${this.schema}.connector_checkpoints WHERE name = $1`, [
      name,
    ]);
    return (rows[0] as { checkpoint: string } | undefined)?.checkpoint;
  }

  async save(name: string, checkpoint: string): Promise<void> {
    const pool = await this.open();
    await pool.query(
      `INSERT INTO ${this.schema}.connector_checkpoints (name, checkpoint, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, updated_at = EXCLUDED.updated_at`,
      [name, checkpoint, Date.now()],
    );
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    this.ready = undefined;
    await pool?.end();
  }
}
