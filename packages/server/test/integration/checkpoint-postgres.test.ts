import { randomUUID } from "node:crypto";
import { after } from "node:test";
import pg from "pg";
import { PostgresCheckpointStore } from "../../src/connectors/checkpoint-postgres.js";
import { checkpointSuite } from "../suites/checkpoint.suite.js";

const URL = process.env.HERALD_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const schemas: string[] = [];
const schemaOf = new WeakMap<object, string>();

after(async () => {
  const pool = new pg.Pool({ connectionString: URL, max: 1 });
  for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await pool.end();
});

checkpointSuite("postgres", {
  async make() {
    const schema = `herald_cp_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
    schemas.push(schema);
    const store = new PostgresCheckpointStore(URL, schema);
    schemaOf.set(store, schema);
    return store;
  },
  async reopen(store) {
    return new PostgresCheckpointStore(URL, schemaOf.get(store) as string);
  },
});
