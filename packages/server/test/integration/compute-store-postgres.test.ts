/** The shared compute-store suite on the real Postgres (127.0.0.1:5432, database `test`), one schema per store. */
import { randomUUID } from "node:crypto";
import { PostgresComputeStore } from "../../src/compute/compute-store-postgres.js";
import { computeStoreSuite } from "../suites/compute-store.suite.js";
import { dropSchema, PG_URL } from "./pg.js";

computeStoreSuite("postgres", {
  async make() {
    const schema = `herald_c_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
    const s = new PostgresComputeStore({ url: PG_URL, schema });
    await s.open();
    return s;
  },
  async reopen(s) {
    await s.close();
    const again = new PostgresComputeStore({ url: PG_URL, schema: (s as PostgresComputeStore).schema });
    await again.open();
    return again;
  },
  async done(s) {
    await s.close();
    await dropSchema((s as PostgresComputeStore).schema);
  },
});
