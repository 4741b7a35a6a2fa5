/**
 * One transport-independent suite, run against every way in (native WebSocket, Socket.IO over
 * WebSocket and long-polling, SSE): subscribe, receive in order, patterns, recover after a
 * drop, per-user delivery, ACL denial, oversized input, metrics by transport. Each transport
 * supplies a small harness that speaks its wire with a real client library.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { mintToken } from "../../src/auth/jwt.js";
import type { HeraldConfigInput } from "../../src/config.js";
import { type Running, startGateway } from "../helpers.js";

export const SUITE_SECRET = "transport-suite-secret-0123456789abcdef";

/** Event types the suite publishes (SSE clients must name the types they listen to). */
export const SUITE_EVENT_TYPES = ["message", "new_notification"] as const;

/** One event as a client saw it. */
export interface Received {
  topic: string;
  event: string;
  seq: number;
  data: unknown;
}

/** A connection opened through one transport, already subscribed to its topics. */
export interface SuiteConnection {
  /** Takes the next `n` events, in arrival order. */
  events(n: number): Promise<Received[]>;
  /** Cuts the connection without a goodbye, as a network drop would. */
  drop(): Promise<void>;
  /** Reconnects and resumes every subscription from the last event received. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

/** An error a harness raises when the server refused something, with the Herald code. */
export class Refused extends Error {
  constructor(readonly code: string) {
    super(`refused: ${code}`);
  }
}

export interface TransportHarness {
  /** Test name. */
  name: string;
  /** The `transport` label of `herald_connections`. */
  kind: string;
  /** Opens a connection subscribed to `topics`; rejects with `Refused` when the server refuses. */
  open(g: Running, topics: string[], token?: string): Promise<SuiteConnection>;
  /** Sends input over the limits; resolves with how the server refused it (rejects if it was accepted). */
  oversized(g: Running): Promise<string>;
}

async function connectionsOf(g: Running, kind: string): Promise<number> {
  const metric = await g.gateway.core.metrics.connections.get();
  return metric.values.find((v) => v.labels.transport === kind)?.value ?? 0;
}

export function transportSuite(h: TransportHarness, config: HeraldConfigInput = {}): void {
  describe(`transport suite: ${h.name}`, () => {
    let g: Running;
    let alice: string;
    const open: SuiteConnection[] = [];
    const connect = async (topics: string[], token?: string) => {
      const c = await h.open(g, topics, token);
      open.push(c);
      return c;
    };
    let n = 0;
    const unique = (base: string) => `${base}${++n}x${Date.now().toString(36)}`;

    before(async () => {
      g = await startGateway({
        ...config,
        auth: { jwtSecret: SUITE_SECRET, ...config.auth },
        limits: { maxFrameBytes: 4096, ...config.limits },
      });
      alice = await mintToken(SUITE_SECRET, "alice");
    });
    after(async () => {
      for (const c of open) await c.close().catch(() => {});
      await g.close();
    });

    it("subscribes and receives events in order, with their data", async () => {
      const topic = unique("chat.room");
      const c = await connect([topic]);
      for (let i = 1; i <= 20; i++) await g.gateway.publish(topic, { i });
      const got = await c.events(20);
      assert.deepEqual(
        got.map((e) => e.seq),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      assert.deepEqual(got[19], { topic, event: "message", seq: 20, data: { i: 20 } });
    });

    it("receives through patterns, once per event even when subscriptions overlap", async () => {
      const base = unique("market");
      const c = await connect([`${base}.>`, `${base}.a`]);
      await g.gateway.publish(`${base}.a`, 1);
      await g.gateway.publish(`${base}.b.c`, 2);
      await g.gateway.publish(`other.${base}`, 3);
      await g.gateway.publish(`${base}.a`, 4);
      const got = await c.events(3);
      assert.deepEqual(
        got.map((e) => [e.topic, e.data]),
        [
          [`${base}.a`, 1],
          [`${base}.b.c`, 2],
          [`${base}.a`, 4],
        ],
      );
    });

    it("recovers exactly the events missed while dropped (topic and pattern)", async () => {
      const topic = unique("orders");
      const feed = unique("feed");
      const c = await connect([topic, `${feed}.>`]);
      await g.gateway.publish(topic, "t1");
      await g.gateway.publish(`${feed}.x`, "f1");
      assert.deepEqual(
        (await c.events(2)).map((e) => e.data),
        ["t1", "f1"],
      );
      await c.drop();
      await g.gateway.publish(topic, "t2");
      await g.gateway.publish(`${feed}.new`, "f2"); // a topic that first appeared while away
      await g.gateway.publish(topic, "t3");
      await c.resume();
      await g.gateway.publish(topic, "t4");
      const got = await c.events(4);
      // Order is per topic: each subscription replays its own gap, then goes live.
      assert.deepEqual(
        got.filter((e) => e.topic === topic).map((e) => [e.seq, e.data]),
        [
          [2, "t2"],
          [3, "t3"],
          [4, "t4"],
        ],
      );
      assert.deepEqual(
        got.filter((e) => e.topic !== topic).map((e) => [e.topic, e.data]),
        [[`${feed}.new`, "f2"]],
      );
    });

    it("delivers a user's events to every connection of that user", async () => {
      const one = await connect([unique("idle")], alice);
      const two = await connect([unique("idle")], alice);
      await g.gateway.sendToUser("alice", "new_notification", { text: "hello" });
      for (const c of [one, two]) {
        const [e] = await c.events(1);
        assert.equal(e?.event, "new_notification");
        assert.deepEqual(e?.data, { text: "hello" });
        assert.equal(e?.topic, "user.alice");
      }
    });

    it("refuses a subscription the ACL denies with forbidden", async () => {
      await assert.rejects(connect(["user.bob"], alice), (err: unknown) => {
        assert.ok(err instanceof Refused, String(err));
        assert.equal(err.code, "forbidden");
        return true;
      });
    });

    it("refuses oversized input and keeps serving others", async () => {
      const how = await h.oversized(g);
      assert.ok(how.length > 0);
      const topic = unique("after");
      const c = await connect([topic]);
      await g.gateway.publish(topic, "still here");
      assert.equal((await c.events(1))[0]?.data, "still here");
    });

    it("counts its connections under its own transport label", async () => {
      const before = await connectionsOf(g, h.kind);
      const c = await h.open(g, [unique("metrics")]);
      assert.equal(await connectionsOf(g, h.kind), before + 1);
      await c.close();
      for (let i = 0; i < 100 && (await connectionsOf(g, h.kind)) !== before; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(await connectionsOf(g, h.kind), before);
    });
  });
}

/** Waits until `queue` holds `n` items (or fails after `timeoutMs`) and removes them. */
export async function take<T>(queue: T[], n: number, wake: { fn?: () => void }, timeoutMs = 15_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  while (queue.length < n) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out: ${queue.length} of ${n} events; got ${JSON.stringify(queue)}`);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, left);
      wake.fn = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
  return queue.splice(0, n);
}
