/** The shared broker suite on the memory broker with durable history in the real Postgres. */
import { randomUUID } from "node:crypto";
import type { Broker } from "../../src/engine/broker.js";
import { MemoryBroker } from "../../src/engine/broker-memory.js";
import { Namespaces } from "../../src/hub/namespaces.js";
import { DurableLog } from "../../src/store/durable-log.js";
import { LazyStore } from "../../src/store/lazy-store.js";
import { PostgresStore } from "../../src/store/store-postgres.js";
import { brokerSuite } from "../suites/broker.suite.js";
import { dropSchema, PG_URL } from "./pg.js";

const stores = new WeakMap<Broker, PostgresStore>();

brokerSuite(
  "memory + durable Postgres",
  async (config) => {
    const store = new PostgresStore({ url: PG_URL, schema: `herald_b_${randomUUID().replace(/-/g, "").slice(0, 12)}` });
    const namespaces = new Namespaces(config.namespaces.map((ns) => ({ ...ns, durable: true })));
    const b = new MemoryBroker({
      namespaces,
      recovery: config.recovery,
      idempotency: config.idempotency,
      persistence: new DurableLog({ store: new LazyStore(store), namespaces }),
    });
    stores.set(b, store);
    await b.start();
    return b;
  },
  async (b) => {
    await b.close();
    const store = stores.get(b) as PostgresStore;
    await store.close();
    await dropSchema(store.schema);
  },
);
