import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { connectorSuite } from "../suites/connector.suite.js";

const SERVERS = process.env.HERALD_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
let nc: NatsConnection;
const stream = (id: string) => `HERALD_TEST_${id}`;

connectorSuite("nats-jetstream", {
  durable: true,
  options: (id) => ({ servers: SERVERS, stream: stream(id), ackWaitMs: 1000, expiresMs: 1000 }),
  async setup() {
    nc = await connect({ servers: SERVERS });
  },
  async produce(id, messages) {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream(id), subjects: [`herald-test.js.${id}.>`] }).catch(() => {});
    const js = jetstream(nc);
    for (const m of messages) await js.publish(`herald-test.js.${id}.${m.key}`, JSON.stringify(m));
  },
  async cleanup(id) {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream(id)).catch(() => {});
  },
  async teardown() {
    await nc.close();
  },
});
