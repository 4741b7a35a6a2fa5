import { connect, type NatsConnection } from "@nats-io/transport-node";
import { connectorSuite } from "../suites/connector.suite.js";

const SERVERS = process.env.HERALD_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
let nc: NatsConnection;

connectorSuite("nats", {
  durable: false,
  // A push source: core NATS cannot be paused, so messages wait in the connector (up to maxPending).
  overshoot: 40,
  options: (id) => ({ servers: SERVERS, subjects: [`herald-test.core.${id}.>`] }),
  async setup() {
    nc = await connect({ servers: SERVERS });
  },
  async produce(id, messages) {
    for (const m of messages) nc.publish(`herald-test.core.${id}.${m.key}`, JSON.stringify(m));
    await nc.flush();
  },
  async teardown() {
    await nc.close();
  },
});
