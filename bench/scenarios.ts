/**
 * The recorded scenarios. Names are what `herald bench --scenario` takes. Rates are target
 * deliveries per second (events/s × subscribers per event).
 */
import { SERVER_KINDS, type Subscription, topicName } from "./harness/messages.js";
import type { Scenario } from "./harness/scenario.js";

const one = (k: number): Subscription[] => [{ name: topicName(k), keys: [k] }];

/** Idle connections only: connect rate and server memory per connection. */
export function idle(connections: number): Scenario {
  return {
    name: `idle-${connections / 1000}k`,
    description: `${connections} idle connections (no subscription of their own)`,
    servers: SERVER_KINDS,
    connections,
    subscriptions: () => [],
    keys: [],
    rates: [],
  };
}

/** Every connection on one topic; the rate rises until a server falls behind. */
export function fanout(subscribers: number, rates: number[], name = `fanout-${subscribers / 1000}k`): Scenario {
  return {
    name,
    description: `${subscribers} subscribers of one topic, 100-byte payloads, rising rate`,
    servers: SERVER_KINDS,
    connections: subscribers,
    subscriptions: () => one(0),
    keys: [0],
    rates,
  };
}

/** Many topics with few subscribers each: cost per delivery should not grow with topics. */
export function manyTopics(topics: number, perTopic: number, rates: number[]): Scenario {
  return {
    name: `topics-${topics}x${perTopic}`,
    description: `${topics} topics × ${perTopic} subscribers, events round-robin over the topics`,
    servers: SERVER_KINDS,
    connections: topics * perTopic,
    subscriptions: (g) => one(g % topics),
    keys: Array.from({ length: topics }, (_, k) => k),
    rates,
    stopAtKnee: false,
  };
}

/** Fan-out through a pattern subscription (`bench.*`) instead of the exact topic. Herald only. */
export function pattern(subscribers: number, rates: number[]): Scenario {
  return {
    name: `pattern-${subscribers / 1000}k`,
    description: `${subscribers} subscribers of the pattern bench.* (one live topic)`,
    servers: ["herald"],
    connections: subscribers,
    subscriptions: () => [{ name: "bench.*", keys: [0] }],
    keys: [0],
    rates,
  };
}

/**
 * The fan-out of `subscribers` on one hot topic next to `idleTopics` subscribed-but-silent
 * topics and `idlePatterns` non-matching patterns, held by extra connections (100 each).
 * Compared with `fanout-1k` at the same rates it shows whether cost is flat in topic count.
 */
export function crowded(subscribers: number, idleTopics: number, idlePatterns: number, rates: number[]): Scenario {
  const perConn = 100;
  const topicConns = Math.ceil(idleTopics / perConn);
  const patternConns = Math.ceil(idlePatterns / perConn);
  return {
    name: `crowded-${subscribers / 1000}k`,
    description: `${subscribers} subscribers of one topic beside ${idleTopics} idle topics and ${idlePatterns} idle patterns`,
    servers: ["herald"],
    connections: subscribers + topicConns + patternConns,
    subscriptions: (g) => {
      if (g < subscribers) return one(0);
      const c = g - subscribers;
      const subs: Subscription[] = [];
      if (c < topicConns) {
        for (let i = c * perConn; i < Math.min(idleTopics, (c + 1) * perConn); i++)
          subs.push({ name: `idle.t${i}`, keys: [] });
      } else {
        const p = c - topicConns;
        for (let i = p * perConn; i < Math.min(idlePatterns, (p + 1) * perConn); i++)
          subs.push({ name: `idle.p${i}.*`, keys: [] });
      }
      return subs;
    },
    keys: [0],
    rates,
    stopAtKnee: false,
  };
}

/** Herald with the bench topics in memory against the same with them durable (SQLite). */
export function durable(base: Scenario): Scenario {
  return {
    ...base,
    name: `durable-${base.name}`,
    description: `${base.description}; Herald in-memory vs durable (SQLite)`,
    servers: ["herald", "herald-durable"],
  };
}

const FANOUT_RATES = [25_000, 50_000, 100_000, 150_000, 200_000, 300_000, 450_000, 600_000];

/** Every scenario by name. */
export function allScenarios(): Scenario[] {
  return [
    idle(1000),
    idle(5000),
    idle(10_000),
    fanout(1000, FANOUT_RATES),
    fanout(5000, FANOUT_RATES),
    manyTopics(1000, 2, [20_000]),
    pattern(1000, [50_000, 200_000]),
    fanout(1000, [50_000, 200_000], "flat-baseline-1k"),
    crowded(1000, 100_000, 10_000, [50_000, 200_000]),
    durable(manyTopics(1000, 2, [5000, 20_000])),
    durable(fanout(1000, [50_000, 200_000])),
    smoke(),
  ];
}

/** The smoke scenario the test suite runs: a few subscribers, two topics, low rate. */
export function smoke(): Scenario {
  return {
    name: "smoke",
    description: "20 connections, 2 topics, low rate (test suite)",
    servers: SERVER_KINDS,
    connections: 20,
    subscriptions: (g) => one(g % 2),
    keys: [0, 1],
    rates: [2000],
    stopAtKnee: false,
  };
}
