/** The shared cluster suite on the real Redis: nodes sharing one key prefix. */
import { randomUUID } from "node:crypto";
import { after } from "node:test";
import type { Cluster } from "../../src/engine/cluster.js";
import { RedisCluster } from "../../src/engine/cluster-redis.js";
import { clusterSuite } from "../suites/cluster.suite.js";
import { dropPrefix, redisBroker } from "./redis-helpers.js";

const prefixes: string[] = [];
const brokers = new Map<Cluster, ReturnType<typeof redisBroker>>();
after(async () => {
  for (const p of prefixes) await dropPrefix(p);
});

async function node(prefix: string): Promise<Cluster> {
  const broker = redisBroker(prefix);
  await broker.start();
  const c = new RedisCluster(broker, 5000);
  const close = c.close.bind(c);
  c.close = async () => {
    await close();
    await broker.close();
  };
  await c.start();
  brokers.set(c, broker);
  return c;
}

clusterSuite("redis", {
  staleMs: 5000,
  make: () => {
    const prefix = `herald-test-cl-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    return node(prefix);
  },
  join: (first) => node((brokers.get(first) as ReturnType<typeof redisBroker>).prefix),
});
