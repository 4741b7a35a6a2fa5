/** The shared store suite on the real Postgres (127.0.0.1:5432, database `test`), one schema per store. */
import { randomUUID } from "node:crypto";
import { PostgresStore } from "../../src/store/store-postgres.js";
import { storeSuite } from "../suites/store.suite.js";
import { dropSchema, PG_URL } from "./pg.js";

storeSuite("postgres", {
  async make() {
    const s = new PostgresStore({ url: PG_URL, schema: `herald_t_${randomUUID().replace(/-/g, "").slice(0, 12)}` });
    await s.open();
    return s;
  },
  async reopen(s) {
    await s.close();
    const again = new PostgresStore({ url: PG_URL, schema: (s as PostgresStore).schema });
    await again.open();
    return again;
  },
  async done(s) {
    await s.close();
    await dropSchema((s as PostgresStore).schema);
  },
});
