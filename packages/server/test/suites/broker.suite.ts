/**
 * The shared broker suite: every Broker implementation (memory, Redis, …) runs these cases
 * unchanged. `make` builds a fresh, started broker whose namespaces come from `config`; `done`
 * releases it. Topic names are made unique per case so engines with shared state can run it.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import type { HeraldEvent } from "@herald/protocol";
import { type HeraldConfig, resolveConfig } from "../../src/config.js";
import type { Broker } from "../../src/engine/broker.js";

export type BrokerFactory = (config: HeraldConfig) => Promise<Broker>;

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
};

export function brokerSuite(
  name: string,
  make: BrokerFactory,
  done: (b: Broker) => Promise<void> = (b) => b.close(),
): void {
  const config = resolveConfig({
    namespaces: [{ prefix: "small", history: { size: 5, ttlSeconds: 0 } }],
    recovery: { maxEvents: 50, streamSize: 1000, streamTtlSeconds: 3600 },
  });
  const uniq = () => `t${randomUUID().slice(0, 8)}`;

  describe(`Broker contract: ${name}`, () => {
    it("assigns strictly increasing seq per topic and offsets across topics", async () => {
      const b = await make(config);
      try {
        const t = uniq();
        const a1 = await b.publish({ topic: `${t}.a`, data: 1 });
        const a2 = await b.publish({ topic: `${t}.a`, data: 2 });
        const b1 = await b.publish({ topic: `${t}.b`, data: 3 });
        assert.equal(a1.event.seq, 1);
        assert.equal(a2.event.seq, 2);
        assert.equal(b1.event.seq, 1);
        assert.equal(a1.event.epoch, a2.event.epoch);
        assert.ok(a2.event.offset > a1.event.offset && b1.event.offset > a2.event.offset);
        assert.equal(a1.event.event, "message");
        assert.equal(typeof a1.event.id, "string");
        assert.deepEqual((await b.position(`${t}.a`)).seq, 2);
      } finally {
        await done(b);
      }
    });

    it("passes every committed event to listeners in per-topic order", async () => {
      const b = await make(config);
      try {
        const t = uniq();
        const seen: HeraldEvent[] = [];
        b.onEvent((e, frame) => {
          if (!e.topic.startsWith(t)) return;
          assert.equal(JSON.parse(frame).seq, e.seq);
          seen.push(e);
        });
        await Promise.all(Array.from({ length: 50 }, (_, i) => b.publish({ topic: `${t}.x`, data: i })));
        await until(() => seen.length === 50);
        assert.deepEqual(
          seen.map((e) => e.seq),
          Array.from({ length: 50 }, (_, i) => i + 1),
        );
      } finally {
        await done(b);
      }
    });

    it("remembers only ids the publisher gave: made-up ids neither take their room nor come back", async () => {
      const small = resolveConfig({ ...config, idempotency: { size: 3, ttlSeconds: 600 } });
      const b = await make(small);
      try {
        const t = uniq();
        const id = randomUUID();
        await b.publish({ topic: `${t}.x`, data: 1, id });
        const madeUp: string[] = [];
        for (let i = 0; i < 6; i++) madeUp.push((await b.publish({ topic: `${t}.x`, data: i })).event.id);
        const again = await b.publish({ topic: `${t}.x`, data: 1, id });
        assert.equal(again.duplicate, true, "six publishes without an id pushed a given id out of a record of 3");
        const reused = await b.publish({ topic: `${t}.y`, data: 2, id: madeUp[0] });
        assert.equal(reused.duplicate, false);
        assert.equal(reused.event.topic, `${t}.y`);
      } finally {
        await done(b);
      }
    });

    it("remembers an id for idempotency.ttlSeconds, then takes it as new", async () => {
      const short = resolveConfig({ ...config, idempotency: { size: 100, ttlSeconds: 1 } });
      const b = await make(short);
      try {
        const t = uniq();
        const id = randomUUID();
        const first = await b.publish({ topic: `${t}.x`, data: 1, id });
        assert.equal((await b.publish({ topic: `${t}.x`, data: 1, id })).duplicate, true);
        await new Promise((r) => setTimeout(r, 1100));
        const later = await b.publish({ topic: `${t}.x`, data: 1, id });
        assert.equal(later.duplicate, false);
        assert.equal(later.event.seq, first.event.seq + 1);
        assert.equal((await b.publish({ topic: `${t}.x`, data: 1, id })).duplicate, true, "remembered again");
      } finally {
        await done(b);
      }
    });

    it("deduplicates by id and rejects an id reused on another topic", async () => {
      const b = await make(config);
      try {
        const t = uniq();
        const seen: HeraldEvent[] = [];
        b.onEvent((e) => e.topic.startsWith(t) && seen.push(e));
        const id = randomUUID();
        const first = await b.publish({ topic: `${t}.x`, data: 1, id });
        const again = await b.publish({ topic: `${t}.x`, data: 1, id });
        assert.equal(first.duplicate, false);
        assert.equal(again.duplicate, true);
        assert.equal(again.event.seq, first.event.seq);
        assert.equal(again.event.id, id);
        await assert.rejects(b.publish({ topic: `${t}.y`, data: 1, id }), { code: "conflict" });
        await b.publish({ topic: `${t}.x`, data: 2 });
        await until(() => seen.length === 2);
        assert.deepEqual(
          seen.map((e) => e.data),
          [1, 2],
        );
      } finally {
        await done(b);
      }
    });

    it("reads history after a seq, bounded by limit, and reports truncation", async () => {
      const b = await make(config);
      try {
        const topic = `small.${uniq()}`;
        for (let i = 1; i <= 8; i++) await b.publish({ topic, data: i });
        const all = await b.history(topic, { limit: 100 });
        assert.deepEqual(
          all.events.map((e) => e.seq),
          [4, 5, 6, 7, 8],
        );
        assert.equal(all.truncated, true);
        assert.equal(all.position.seq, 8);
        const page = await b.history(topic, { since: 5, limit: 2 });
        assert.deepEqual(
          page.events.map((e) => e.seq),
          [6, 7],
        );
        assert.equal(page.truncated, false);
        const none = await b.history(`${topic}.empty`, { limit: 10 });
        assert.deepEqual(none.events, []);
        assert.equal(none.position.seq, 0);
      } finally {
        await done(b);
      }
    });

    it("recovers a topic exactly, or says it cannot", async () => {
      const b = await make(config);
      try {
        const topic = `small.${uniq()}`;
        const start = await b.position(topic);
        await b.publish({ topic, data: 1 });
        await b.publish({ topic, data: 2 });
        const r = await b.recoverTopic(topic, { epoch: start.epoch, seq: 0 }, 50);
        assert.equal(r.recovered, true);
        assert.deepEqual(
          r.events.map((e) => e.data),
          [1, 2],
        );
        assert.equal(r.position.seq, 2);
        const upToDate = await b.recoverTopic(topic, { epoch: start.epoch, seq: 2 }, 50);
        assert.equal(upToDate.recovered, true);
        assert.equal(upToDate.events.length, 0);
        const stale = await b.recoverTopic(topic, { epoch: "not-the-epoch", seq: 1 }, 50);
        assert.equal(stale.recovered, false);
        assert.equal(stale.events.length, 0);
        for (let i = 3; i <= 10; i++) await b.publish({ topic, data: i });
        const trimmed = await b.recoverTopic(topic, { epoch: start.epoch, seq: 2 }, 50);
        assert.equal(trimmed.recovered, false, "history holds 5 events; 8 were missed");
        assert.equal(trimmed.events.length, 0);
        const tooMany = await b.recoverTopic(topic, { epoch: start.epoch, seq: 6 }, 3);
        assert.equal(tooMany.recovered, false, "4 missed, at most 3 allowed");
        const future = await b.recoverTopic(topic, { epoch: start.epoch, seq: 99 }, 50);
        assert.equal(future.recovered, false);
      } finally {
        await done(b);
      }
    });

    it("recovers a pattern in stream order, including topics that appeared meanwhile", async () => {
      const b = await make(config);
      try {
        const t = uniq();
        await b.publish({ topic: `${t}.a`, data: "before" });
        const since = await b.streamPosition();
        await b.publish({ topic: `${t}.a`, data: 1 });
        await b.publish({ topic: `other.${t}`, data: "not matching" });
        await b.publish({ topic: `${t}.new.deep`, data: 2 });
        await b.publish({ topic: `${t}.b`, data: 3 });
        const r = await b.recoverPattern(`${t}.>`, since, 50);
        assert.equal(r.recovered, true);
        assert.deepEqual(
          r.events.map((e) => e.data),
          [1, 2, 3],
        );
        const one = await b.recoverPattern(`${t}.*`, since, 50);
        assert.deepEqual(
          one.events.map((e) => e.data),
          [1, 3],
        );
        assert.ok(r.position.offset >= since.offset + 4);
        const stale = await b.recoverPattern(`${t}.>`, { epoch: "nope", offset: since.offset }, 50);
        assert.equal(stale.recovered, false);
        const tooMany = await b.recoverPattern(`${t}.>`, since, 2);
        assert.equal(tooMany.recovered, false);
      } finally {
        await done(b);
      }
    });
  });
}
