/** The shared lifecycle-log suite on the real Redis (several nodes sharing one log). */
import { randomUUID } from "node:crypto";
import { after } from "node:test";
import { Redis } from "ioredis";
import { RedisLifecycleLog } from "../../src/webhooks/lifecycle-log-redis.js";
import { lifecycleLogSuite } from "../suites/lifecycle-log.suite.js";
import { dropPrefix, REDIS_URL } from "./redis-helpers.js";

const redis = new Redis(REDIS_URL);
const used: string[] = [];
let prefix = "";

after(async () => {
  for (const p of used) await dropPrefix(p);
  redis.disconnect();
});

lifecycleLogSuite("redis", {
  nodes: true,
  fresh: async () => {
    prefix = `herald-test-wh-${randomUUID().slice(0, 8)}`;
    used.push(prefix);
  },
  make: async (node, maxQueue = 1000) => new RedisLifecycleLog(redis, prefix, node, maxQueue),
});
