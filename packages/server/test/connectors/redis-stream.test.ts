import { Redis } from "ioredis";
import { connectorSuite } from "../suites/connector.suite.js";

const URL = process.env.HERALD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const redis = new Redis(URL, { lazyConnect: true });

connectorSuite("redis-stream", {
  durable: true,
  options: (id) => ({ url: URL, streams: [`herald-test:cs:${id}`], group: `g${id}`, blockMs: 100, keyField: "key" }),
  async setup() {
    await redis.connect();
  },
  async produce(id, messages) {
    const pipeline = redis.pipeline();
    for (const m of messages) pipeline.xadd(`herald-test:cs:${id}`, "*", "key", m.key, "data", JSON.stringify(m));
    await pipeline.exec();
  },
  async cleanup(id) {
    await redis.del(`herald-test:cs:${id}`);
  },
  async teardown() {
    redis.disconnect();
  },
});
