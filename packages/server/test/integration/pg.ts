/** The real Postgres the integration tests use, and schema cleanup. */
import pg from "pg";

export const PG_URL = process.env.HERALD_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await c.end();
  }
}
