/** The shared resumable-sessions suite on the real Redis. */
import { randomUUID } from "node:crypto";
import { after } from "node:test";
import type { RedisBroker } from "../../src/engine/broker-redis.js";
import type { ResumableSessions } from "../../src/engine/resumable.js";
import { RedisResumable } from "../../src/engine/resumable-redis.js";
import { resumableSuite } from "../suites/resumable.suite.js";
import { dropPrefix, redisBroker } from "./redis-helpers.js";

const prefix = `herald-test-${randomUUID().slice(0, 8)}`;
const brokers = new Map<ResumableSessions, RedisBroker>();

after(() => dropPrefix(prefix));

resumableSuite(
  "redis",
  async () => {
    const broker = redisBroker(prefix);
    await broker.start();
    const s = new RedisResumable(broker);
    brokers.set(s, broker);
    return s;
  },
  async (s) => {
    await s.close();
    await brokers.get(s)?.close();
  },
);
