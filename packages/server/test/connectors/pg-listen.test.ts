import pg from "pg";
import { connectorSuite } from "../suites/connector.suite.js";

const URL = process.env.HERALD_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const pool = new pg.Pool({ connectionString: URL, max: 2 });
const table = (id: string) => `herald_test_pl_${id}`;

connectorSuite("pg-listen", {
  durable: true,
  options: (id) => ({ url: URL, tables: [table(id)], keyColumn: "key", pollMs: 1000 }),
  async prepare(id) {
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${table(id)} (seq SERIAL PRIMARY KEY, key TEXT NOT NULL, n INT NOT NULL)`,
    );
  },
  async produce(id, messages) {
    for (const m of messages) await pool.query(`INSERT INTO ${table(id)} (key, n) VALUES ($1, $2)`, [m.key, m.n]);
  },
  async cleanup(id) {
    await pool.query(`DROP TABLE IF EXISTS ${table(id)}; DROP TABLE IF EXISTS herald_outbox_c${id}`);
    await pool.query(`DROP FUNCTION IF EXISTS herald_outbox_c${id}_fn()`);
  },
  async teardown() {
    await pool.end();
  },
});
