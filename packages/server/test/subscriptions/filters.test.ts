/**
 * Server-side subscription filters on every transport (native WS, Socket.IO, SSE, a configured
 * endpoint), live and after recovery, and delivery rates on the native protocol.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { io } from "socket.io-client";
import { postJson, type Running, startGateway, TestClient } from "../helpers.js";
import { SseConnection, sseUrl } from "../transports/sse-harness.js";

const FILTER = { category: { in: ["a"] } };
let n = 0;
const unique = (base: string) => `${base}${++n}x${Date.now().toString(36)}`;

describe("subscription filters", () => {
  let g: Running;
  const publish = async (topic: string, category: string, i: number) => {
    const r = await postJson(`${g.url}/api/publish`, { topic, data: { category, i } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };

  before(async () => {
    g = await startGateway({
      endpoints: [{ path: "/feeds/:room", subscribe: ["room.{room}"], subscription: { filter: FILTER } }],
    });
  });
  after(() => g.close());

  it("native WS: delivers only matching events, and recovers only matching ones", async () => {
    const topic = unique("f.ws.");
    const c = await TestClient.connect(g.wsUrl);
    const ack = await c.request({ type: "subscribe", topic, filter: FILTER });
    assert.equal(ack.type, "ack");
    for (const [i, cat] of ["a", "b", "a", "b"].entries()) await publish(topic, cat, i);
    const live = await c.events(2);
    assert.deepEqual(
      live.map((e) => (e.data as { i: number }).i),
      [0, 2],
    );
    const last = live[1] as unknown as { seq: number; epoch: string };
    c.ws.terminate();
    for (const [i, cat] of ["b", "a", "b", "a"].entries()) await publish(topic, cat, 10 + i);
    const r = await TestClient.connect(g.wsUrl);
    const rack = await r.request({
      type: "subscribe",
      topic,
      filter: FILTER,
      since: { epoch: last.epoch, seq: last.seq },
    });
    assert.equal(rack.recovered, true);
    assert.equal(rack.replayed, 2, "only the two matching missed events are replayed");
    assert.equal(rack.seq, 8, "the position still covers the skipped events");
    const replayed = await r.events(2);
    assert.deepEqual(
      replayed.map((e) => (e.data as { i: number }).i),
      [11, 13],
    );
    await publish(topic, "b", 20);
    await publish(topic, "a", 21);
    const [next] = await r.events(1);
    assert.equal(
      (next as unknown as { data: { i: number } }).data.i,
      21,
      "the non-matching event in between was not delivered",
    );
    r.close();
  });

  it("native WS: refuses a bad filter with invalid_filter and a bad rate with bad_request", async () => {
    const c = await TestClient.connect(g.wsUrl);
    const bad = await c.request({ type: "subscribe", topic: unique("f.bad."), filter: { x: { between: 1 } } });
    assert.equal(bad.code, "invalid_filter");
    const notObject = await c.request({ type: "subscribe", topic: unique("f.bad."), filter: [1] });
    assert.equal(notObject.code, "invalid_filter");
    const rate = await c.request({
      type: "subscribe",
      topic: unique("f.bad."),
      rate: { intervalMs: 1, mode: "batch" },
    });
    assert.equal(rate.code, "bad_request");
    c.close();
  });

  it("Socket.IO: the subscribe payload's filter applies live and on recovery", async () => {
    const topic = unique("f.io.");
    const got: Array<{ i: number; seq: number; epoch: string }> = [];
    let wake: (() => void) | undefined;
    const waitFor = async (count: number) => {
      const deadline = Date.now() + 5000;
      while (got.length < count) {
        if (Date.now() > deadline) throw new Error(`waited for ${count} Socket.IO events, got ${got.length}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 100);
        });
      }
    };
    const open = () => {
      const s = io(g.url, { transports: ["websocket"], reconnection: false, forceNew: true });
      s.onAny((_name: string, data: { i: number }, meta: { seq: number; epoch: string }) => {
        if (meta?.seq === undefined) return;
        got.push({ i: data.i, seq: meta.seq, epoch: meta.epoch });
        wake?.();
      });
      return s;
    };
    const s = open();
    const ack = (await s.timeout(5000).emitWithAck("subscribe", { topic, filter: FILTER })) as Record<string, unknown>;
    assert.equal(ack.ok, true);
    for (const [i, cat] of ["b", "a", "b", "a"].entries()) await publish(topic, cat, i);
    await waitFor(2);
    assert.deepEqual(
      got.map((e) => e.i),
      [1, 3],
    );
    const last = got[1] as { seq: number; epoch: string };
    s.disconnect();
    for (const [i, cat] of ["a", "b"].entries()) await publish(topic, cat, 10 + i);
    const s2 = open();
    const rack = (await s2
      .timeout(5000)
      .emitWithAck("subscribe", { topic, filter: FILTER, since: { epoch: last.epoch, seq: last.seq } })) as Record<
      string,
      unknown
    >;
    assert.equal(rack.replayed, 1);
    await publish(topic, "a", 20);
    await waitFor(4);
    assert.deepEqual(
      got.map((e) => e.i),
      [1, 3, 10, 20],
    );
    s2.disconnect();
  });

  it("SSE: the filter query parameter applies live and after a Last-Event-ID resume", async () => {
    const topic = unique("f.sse.");
    const url = `${sseUrl(g, [topic])}&filter=${encodeURIComponent(JSON.stringify(FILTER))}`;
    const c = new SseConnection(url, undefined);
    await c.open();
    for (const [i, cat] of ["a", "b", "b", "a"].entries()) await publish(topic, cat, i);
    const live = await c.events(2);
    assert.deepEqual(
      live.map((e) => (e.data as { i: number }).i),
      [0, 3],
    );
    await c.drop();
    for (const [i, cat] of ["b", "a"].entries()) await publish(topic, cat, 10 + i);
    await c.resume();
    await publish(topic, "b", 20);
    await publish(topic, "a", 21);
    const after = await c.events(2);
    assert.deepEqual(
      after.map((e) => (e.data as { i: number }).i),
      [11, 21],
    );
    await c.close();
    const bad = await fetch(`${sseUrl(g, [topic])}&filter=${encodeURIComponent('{"x":{"nope":1}}')}`);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { code: string }).code, "invalid_filter");
  });

  it("configured endpoint: its subscription filter applies to the auto-subscription", async () => {
    const room = unique("r");
    const c = await TestClient.connect(`${g.url.replace("http", "ws")}/feeds/${room}`);
    await c.next((f) => f.type === "ack" && f.topic === `room.${room}`);
    for (const [i, cat] of ["b", "a"].entries()) await publish(`room.${room}`, cat, i);
    const [e] = await c.events(1);
    assert.equal((e as unknown as { data: { i: number } }).data.i, 1);
    c.close();
  });
});

describe("subscription delivery rate (native WS)", () => {
  let g: Running;
  before(async () => {
    g = await startGateway({ subscriptions: { rate: { minIntervalMs: 10, maxIntervalMs: 60_000, maxHeld: 1000 } } });
  });
  after(() => g.close());

  it("batch: the events of an interval arrive in one batch frame, in order", async () => {
    const topic = unique("r.batch.");
    const c = await TestClient.connect(g.wsUrl);
    await c.request({ type: "subscribe", topic, rate: { intervalMs: 1000, mode: "batch" } });
    // The first goes out at once (a batch of one); the next ones wait for the interval.
    for (let i = 0; i < 4; i++) await postJson(`${g.url}/api/publish`, { topic, data: i });
    const first = await c.next("batch");
    assert.deepEqual(
      (first.events as Array<{ data: number }>).map((e) => e.data),
      [0],
    );
    const batch = await c.next("batch");
    assert.equal(batch.topic, topic);
    assert.deepEqual(
      (batch.events as Array<{ data: number; type: string }>).map((e) => [e.type, e.data]),
      [
        ["event", 1],
        ["event", 2],
        ["event", 3],
      ],
    );
    c.close();
  });

  it("conflate: one delivery per key per interval, the latest value; recovery gives the latest state", async () => {
    const topic = unique("r.conf.");
    const c = await TestClient.connect(g.wsUrl);
    const ack = await c.request({ type: "subscribe", topic, rate: { intervalMs: 1000, mode: "conflate", key: "sym" } });
    const prices = [
      ["A", 1],
      ["B", 1],
      ["A", 2],
      ["A", 3],
      ["B", 2],
    ] as const;
    for (const [sym, v] of prices) await postJson(`${g.url}/api/publish`, { topic, data: { sym, v } });
    const got = await c.events(3);
    assert.deepEqual(
      got.map((e) => e.data),
      [
        { sym: "A", v: 1 },
        { sym: "A", v: 3 },
        { sym: "B", v: 2 },
      ],
    );
    c.close();
    const r = await TestClient.connect(g.wsUrl);
    const rack = await r.request({
      type: "subscribe",
      topic,
      rate: { intervalMs: 1000, mode: "conflate", key: "sym" },
      since: { epoch: ack.epoch, seq: ack.seq },
    });
    assert.equal(rack.replayed, 2, "recovery to the latest value per key, not every intermediate event");
    const replayed = await r.events(2);
    assert.deepEqual(
      replayed.map((e) => e.data),
      [
        { sym: "A", v: 3 },
        { sym: "B", v: 2 },
      ],
    );
    r.close();
  });
});
