/**
 * Dead letters in Postgres (`pg`), in `<schema>.herald_dead_letters` (created when missing):
 * `add` returns once the row is committed. Retention as in the SQLite store: entries older than
 * `retentionMs` and beyond `maxEntries` are deleted on each add.
 */
import pg from "pg";
import type { DeadLetter, DeadLetterInput, DeadLetterQuery, DeadLetterStore } from "./dead-letter.js";
import { padId, rowToDeadLetter, type SqlDeadLetterOptions } from "./dead-letter-sqlite.js";

export class PostgresDeadLetterStore implements DeadLetterStore {
  private readonly pool: pg.Pool;
  private ready: Promise<void> | undefined;
  private readonly table: string;

  /** @param schema Postgres schema holding the table (created when missing) */
  constructor(
    url: string,
    schema: string,
    private readonly options: SqlDeadLetterOptions,
    private readonly now: () => number = Date.now,
  ) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid Postgres schema name "${schema}"`);
    this.pool = new pg.Pool({ connectionString: url, max: 2 });
    this.pool.on("error", () => {}); // an idle client's error surfaces on the next query
    this.table = `"${schema}".herald_dead_letters`;
  }

  private open(): Promise<void> {
    this.ready ??= (async () => {
      const schema = this.table.slice(0, this.table.indexOf("."));
      await this.pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await this.pool.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
        id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, source TEXT NOT NULL, stage TEXT NOT NULL,
        code TEXT NOT NULL, reason TEXT NOT NULL, request JSONB NOT NULL)`);
    })().catch((err) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  async add(input: DeadLetterInput): Promise<DeadLetter> {
    await this.open();
    const at = this.now();
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO ${this.table} (at, source, stage, code, reason, request) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id`,
      [at, input.source, input.stage, input.code, input.reason, JSON.stringify(input.request)],
    );
    if (this.options.retentionMs > 0) {
      await this.pool.query(`DELETE FROM ${this.table} WHERE at < $1`, [at - this.options.retentionMs]);
    }
    await this.pool.query(
      `DELETE FROM ${this.table} WHERE id <= (SELECT id FROM ${this.table} ORDER BY id DESC LIMIT 1 OFFSET $1)`,
      [this.options.maxEntries],
    );
    return { ...input, id: padId(rows[0]?.id as string), at };
  }

  async list(query: DeadLetterQuery): Promise<DeadLetter[]> {
    await this.open();
    const params: unknown[] = [Number(query.after ?? 0)];
    let where = "id > $1";
    if (query.source !== undefined) {
      params.push(query.source);
      where += ` AND source = $${params.length}`;
    }
    params.push(query.limit);
    const { rows } = await this.pool.query(
      `SELECT * FROM ${this.table} WHERE ${where} ORDER BY id LIMIT $${params.length}`,
      params,
    );
    return rows.map(rowToDeadLetter);
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    await this.open();
    const { rows } = await this.pool.query(`SELECT * FROM ${this.table} WHERE id = $1`, [Number(id)]);
    return rows[0] === undefined ? undefined : rowToDeadLetter(rows[0]);
  }

  async remove(ids: readonly string[]): Promise<number> {
    await this.open();
    const { rowCount } = await this.pool.query(`DELETE FROM ${this.table} WHERE id = ANY($1::bigint[])`, [
      ids.map(Number),
    ]);
    return rowCount ?? 0;
  }

  async count(): Promise<number> {
    await this.open();
    const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.table}`);
    return Number(rows[0]?.n ?? 0);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
