import { Redis } from "ioredis";
import { connectorSuite } from "../suites/connector.suite.js";

const URL = process.env.HERALD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const redis = new Redis(URL, { lazyConnect: true });

connectorSuite("redis-pubsub", {
  durable: false,
  // A push source: messages already in the socket buffer when it pauses are read.
  overshoot: 40,
  options: (id) => ({ url: URL, patterns: [`herald-test:ps:${id}:*`] }),
  async setup() {
    await redis.connect();
  },
  async produce(id, messages) {
    const pipeline = redis.pipeline();
    for (const m of messages) pipeline.publish(`herald-test:ps:${id}:${m.key}`, JSON.stringify(m));
    await pipeline.exec();
  },
  async teardown() {
    redis.disconnect();
  },
});
