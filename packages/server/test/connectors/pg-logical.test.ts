import pg from "pg";
import { connectorSuite } from "../suites/connector.suite.js";
import { type PrivateServer, startPostgres } from "./private-servers.js";

// Logical replication needs wal_level=logical: a private cluster, never the shared Postgres.
let server: PrivateServer & { url: string };
let pool: pg.Pool;
const table = (id: string) => `herald_test_lr_${id}`;

connectorSuite("pg-logical", {
  durable: true,
  options: (id) => ({ url: server.url, tables: [table(id)], keyColumns: ["key"] }),
  async setup() {
    server = await startPostgres({ logical: true });
    pool = new pg.Pool({ connectionString: server.url, max: 2 });
  },
  async prepare(id) {
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${table(id)} (seq SERIAL PRIMARY KEY, key TEXT NOT NULL, n INT NOT NULL)`,
    );
  },
  async produce(id, messages) {
    for (const m of messages) await pool.query(`INSERT INTO ${table(id)} (key, n) VALUES ($1, $2)`, [m.key, m.n]);
  },
  async teardown() {
    await pool?.end();
    await server?.stop();
  },
});
