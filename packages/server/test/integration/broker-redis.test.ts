/** The shared broker suite on the real Redis (127.0.0.1:6379), isolated by a key prefix per run. */
import { randomUUID } from "node:crypto";
import { RedisBroker } from "../../src/engine/broker-redis.js";
import { Namespaces } from "../../src/hub/namespaces.js";
import { brokerSuite } from "../suites/broker.suite.js";
import { dropPrefix } from "./redis-helpers.js";

const prefix = `herald-test-${randomUUID().slice(0, 8)}`;

brokerSuite(
  "redis",
  async (config) => {
    const b = new RedisBroker({
      namespaces: new Namespaces(config.namespaces),
      recovery: config.recovery,
      idempotency: config.idempotency,
      keyPrefix: prefix,
    });
    await b.start();
    return b;
  },
  async (b) => {
    await dropPrefix(prefix);
    await b.close();
  },
);
