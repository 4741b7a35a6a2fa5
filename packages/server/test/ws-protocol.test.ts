// The native protocol end to end: a real gateway on an ephemeral port, a raw `ws` client.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { type Frame, postJson, type Running, startGateway, TestClient } from "./helpers.js";
import { dropPrefix, redisBroker } from "./integration/redis-helpers.js";
import { waitFor } from "./wait-for.js";

describe("native WebSocket protocol", () => {
  let g: Running;
  before(async () => {
    g = await startGateway({
      limits: { maxFrameBytes: 4096, maxSubscriptionsPerConnection: 3, maxJsonDepth: 8 },
      namespaces: [{ prefix: "short", history: { size: 3, ttlSeconds: 0 } }],
    });
  });
  after(() => g.close());

  it("greets with a welcome frame carrying the connection id, version, stream epoch and heartbeat", async () => {
    const c = await TestClient.connect(g.wsUrl, { waitWelcome: false });
    const w = await c.next("welcome");
    assert.equal(typeof w.client, "string");
    assert.equal(typeof w.version, "string");
    assert.equal(typeof w.epoch, "string");
    assert.equal(w.heartbeat, 25000);
    c.close();
  });

  it("delivers events published over HTTP and over WS to topic and pattern subscribers", async () => {
    const sub = await TestClient.connect(g.wsUrl);
    const pub = await TestClient.connect(g.wsUrl);
    const ackTopic = await sub.request({ type: "subscribe", topic: "market.price.CF1-001" });
    assert.equal(ackTopic.type, "ack");
    assert.equal(ackTopic.seq, 0);
    assert.equal(typeof ackTopic.epoch, "string");
    const ackPattern = await sub.request({ type: "subscribe", topic: "proposal.*" });
    assert.equal(ackPattern.type, "ack");
    assert.equal(typeof ackPattern.offset, "number");

    const http = await postJson(`${g.url}/api/publish`, {
      topic: "market.price.CF1-001",
      event: "price",
      data: { p: 1 },
    });
    assert.equal(http.status, 200);
    assert.equal(http.body.seq, 1);
    const ws = await pub.request({ type: "publish", topic: "proposal.created", event: "proposal", data: { id: 9 } });
    assert.equal(ws.type, "ack");
    assert.equal(ws.seq, 1);
    await pub.request({ type: "publish", topic: "proposal.created.extra", data: "not matched by proposal.*" });
    await pub.request({ type: "publish", topic: "market.price.CF1-001", event: "price", data: { p: 2 } });

    const events = await sub.events(3);
    assert.deepEqual(
      events.map((e) => [e.topic, e.event, e.seq]),
      [
        ["market.price.CF1-001", "price", 1],
        ["proposal.created", "proposal", 1],
        ["market.price.CF1-001", "price", 2],
      ],
    );
    assert.deepEqual(events[1]?.data, { id: 9 });
    for (const e of events) for (const k of ["id", "timestamp", "epoch", "offset"]) assert.ok(k in e, k);
    await pub.request({ type: "ping" });
    assert.equal(sub.frames.filter((f) => f.type === "event").length, 0, "no event for proposal.created.extra");
    sub.close();
    pub.close();
  });

  it("delivers an event once to a connection whose subscriptions overlap", async () => {
    const c = await TestClient.connect(g.wsUrl);
    await c.request({ type: "subscribe", topic: "ov.>" });
    await c.request({ type: "subscribe", topic: "ov.*" });
    await c.request({ type: "subscribe", topic: "ov.a" });
    await postJson(`${g.url}/api/publish`, { topic: "ov.a", data: 1 });
    await postJson(`${g.url}/api/publish`, { topic: "ov.b", data: 2 });
    const events = await c.events(2);
    assert.deepEqual(
      events.map((e) => e.data),
      [1, 2],
    );
    await c.request({ type: "ping" });
    assert.equal(c.frames.filter((f) => f.type === "event").length, 0);
    c.close();
  });

  it("recovers exactly the missed events of a topic after a dropped connection", async () => {
    const topic = "rec.topic";
    const a = await TestClient.connect(g.wsUrl);
    await a.request({ type: "subscribe", topic });
    for (let i = 1; i <= 2; i++) await postJson(`${g.url}/api/publish`, { topic, data: i });
    const seen = await a.events(2);
    const last = seen[1] as Frame;
    a.ws.terminate();
    for (let i = 3; i <= 5; i++) await postJson(`${g.url}/api/publish`, { topic, data: i });

    const b = await TestClient.connect(g.wsUrl);
    const ack = await b.request({ type: "subscribe", topic, since: { epoch: last.epoch, seq: last.seq } });
    assert.equal(ack.recovered, true);
    assert.equal(ack.replayed, 3);
    assert.equal(ack.seq, 5);
    await postJson(`${g.url}/api/publish`, { topic, data: 6 });
    const got = await b.events(4);
    assert.deepEqual(
      got.map((e) => [e.seq, e.data]),
      [
        [3, 3],
        [4, 4],
        [5, 5],
        [6, 6],
      ],
    );
    b.close();
  });

  it("recovers a pattern, including a topic that first appeared while the client was away", async () => {
    const a = await TestClient.connect(g.wsUrl);
    const ack = await a.request({ type: "subscribe", topic: "away.>" });
    await postJson(`${g.url}/api/publish`, { topic: "away.x", data: "seen" });
    const [seen] = await a.events(1);
    a.ws.terminate();
    await postJson(`${g.url}/api/publish`, { topic: "away.x", data: "missed-1" });
    await postJson(`${g.url}/api/publish`, { topic: "away.brand.new", data: "missed-2" });
    await postJson(`${g.url}/api/publish`, { topic: "elsewhere", data: "not mine" });

    const b = await TestClient.connect(g.wsUrl);
    const r = await b.request({
      type: "subscribe",
      topic: "away.>",
      since: { epoch: ack.epoch, offset: seen?.offset },
    });
    assert.equal(r.recovered, true);
    const got = await b.events(2);
    assert.deepEqual(
      got.map((e) => [e.topic, e.data]),
      [
        ["away.x", "missed-1"],
        ["away.brand.new", "missed-2"],
      ],
    );
    b.close();
  });

  it("answers recovered:false with no events for a stale epoch or a gap larger than history", async () => {
    const topic = "short.gap";
    const c = await TestClient.connect(g.wsUrl);
    const ack = await c.request({ type: "subscribe", topic });
    await c.request({ type: "unsubscribe", topic });
    for (let i = 1; i <= 5; i++) await postJson(`${g.url}/api/publish`, { topic, data: i });
    const gap = await c.request({ type: "subscribe", topic, since: { epoch: ack.epoch, seq: 0 } });
    assert.equal(gap.recovered, false);
    assert.equal(gap.seq, 5);
    await c.request({ type: "unsubscribe", topic });
    const stale = await c.request({ type: "subscribe", topic, since: { epoch: "gone", seq: 4 } });
    assert.equal(stale.recovered, false);
    await c.request({ type: "ping" });
    assert.equal(c.frames.filter((f) => f.type === "event").length, 0, "never a partial list");
    c.close();
  });

  it("has no gap and no duplicate at the seam while events are published during the subscribe", async () => {
    // On the Redis engine: its recovery reads are I/O, so live events reach the subscription
    // while the replay is being read (the seam the session must join without gap or duplicate).
    const prefix = `herald-seam-${randomUUID().slice(0, 8)}`;
    const g = await startGateway({}, { broker: redisBroker(prefix) });
    try {
      const topic = "seam.t";
      const first = await postJson(`${g.url}/api/publish`, { topic, data: 0 });
      let n = 0;
      let stop = false;
      const publishing = (async () => {
        while (!stop) {
          await g.gateway.publish(topic, ++n);
          await new Promise((r) => setImmediate(r));
        }
      })();
      const c = await TestClient.connect(g.wsUrl);
      const atSend = n;
      const ack = await c.request({ type: "subscribe", topic, since: { epoch: first.body.epoch, seq: 1 } });
      const atAck = n;
      await waitFor(() => n >= atAck + 20, { what: "20 publishes after the subscribe was acknowledged" });
      stop = true;
      await publishing;
      assert.equal(ack.recovered, true);
      // The publishes overlapped the subscribe: some ran while it was handled, and the seam
      // (ack.seq) has replayed events on one side and live ones on the other.
      assert.ok(atAck > atSend, `${atSend} published when the subscribe was sent, ${atAck} at its ack`);
      assert.ok(Number(ack.replayed) >= 1 && Number(ack.seq) < n + 1, JSON.stringify(ack));
      const total = n + 1; // seq 1 was data 0
      const events = await c.events(total - 1);
      assert.deepEqual(
        events.map((e) => e.seq),
        Array.from({ length: total - 1 }, (_, i) => i + 2),
      );
      c.close();
    } finally {
      await g.close();
      await dropPrefix(prefix);
    }
  });

  it("publishes idempotently by eventId: one delivery, the same seq", async () => {
    const c = await TestClient.connect(g.wsUrl);
    await c.request({ type: "subscribe", topic: "idem.t" });
    const a = await c.request({ type: "publish", topic: "idem.t", data: 1, eventId: "evt-1" });
    const b = await c.request({ type: "publish", topic: "idem.t", data: 1, eventId: "evt-1" });
    const h = await postJson(`${g.url}/api/publish`, { topic: "idem.t", data: 1, id: "evt-1" });
    assert.equal(a.duplicate, false);
    assert.equal(b.duplicate, true);
    assert.equal(b.seq, a.seq);
    assert.equal(h.body.duplicate, true);
    assert.equal(h.body.seq, a.seq);
    const conflict = await c.request({ type: "publish", topic: "idem.other", data: 1, eventId: "evt-1" });
    assert.equal(conflict.code, "conflict");
    await c.events(1);
    await c.request({ type: "ping" });
    assert.equal(c.frames.filter((f) => f.type === "event").length, 0);
    c.close();
  });

  it("takes a publish without an id as fire-and-forget: delivered, not acknowledged; a refusal is still answered", async () => {
    const sub = await TestClient.connect(g.wsUrl);
    await sub.request({ type: "subscribe", topic: "faf.t" });
    const c = await TestClient.connect(g.wsUrl);
    c.send({ type: "publish", topic: "faf.t", data: 1 });
    c.send({ type: "publish", topic: "faf.*", data: 2 });
    c.send({ type: "publish", topic: "faf.t", data: 3 });
    assert.deepEqual(
      (await sub.events(2)).map((e) => e.data),
      [1, 3],
    );
    const refusal = await c.next("error");
    assert.equal(refusal.code, "invalid_topic");
    assert.equal(refusal.id, undefined);
    // What came back to the publisher is the refusal only, then the answer to a request with an id.
    assert.equal((await c.request({ type: "publish", topic: "faf.t", data: 4 })).type, "ack");
    assert.deepEqual(c.frames, []);
    sub.close();
    c.close();
  });

  it("answers history requests from the topic's history", async () => {
    const c = await TestClient.connect(g.wsUrl);
    for (let i = 1; i <= 4; i++) await g.gateway.publish("hist.t", i);
    const h = await c.request({ type: "history", topic: "hist.t", since: 1, limit: 2 });
    assert.deepEqual(
      (h.events as Frame[]).map((e) => e.data),
      [2, 3],
    );
    assert.equal(h.seq, 4);
    c.close();
  });

  it("answers every kind of bad input with a stable code and stays up", async () => {
    const c = await TestClient.connect(g.wsUrl);
    c.send("{not json");
    assert.equal((await c.next("error")).code, "invalid_json");
    c.send({ type: "teleport", id: "u1" });
    const unknown = await c.next("error");
    assert.equal(unknown.code, "unknown_type");
    assert.equal(unknown.id, "u1");
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await c.next("error")).code, "bad_request");
    c.send(JSON.stringify({ type: "publish", topic: "a", data: [[[[[[[[[[1]]]]]]]]]] }));
    assert.equal((await c.next("error")).code, "too_deep");
    assert.equal((await c.request({ type: "subscribe", topic: "a..b" })).code, "invalid_topic");
    assert.equal((await c.request({ type: "subscribe", topic: "a.>.b" })).code, "invalid_topic");
    assert.equal((await c.request({ type: "publish", topic: "a.*", data: 1 })).code, "invalid_topic");
    assert.equal((await c.request({ type: "publish", topic: "broadcast", data: 1 })).code, "forbidden");
    assert.equal((await c.request({ type: "history", topic: "a.>" })).code, "invalid_topic");
    assert.equal((await c.request({ type: "unsubscribe", topic: "never" })).code, "not_subscribed");
    assert.equal((await c.request({ type: "subscribe", topic: "lim.1" })).type, "ack");
    assert.equal((await c.request({ type: "subscribe", topic: "lim.1" })).code, "already_subscribed");
    assert.equal((await c.request({ type: "subscribe", topic: "lim.2" })).type, "ack");
    assert.equal((await c.request({ type: "subscribe", topic: "lim.3" })).type, "ack");
    assert.equal((await c.request({ type: "subscribe", topic: "lim.4" })).code, "too_many_subscriptions");
    assert.equal(
      (await c.request({ type: "subscribe", topic: "x", since: { epoch: "e", seq: -1 } })).code,
      "invalid_position",
    );
    const pong = await c.request({ type: "ping" });
    assert.equal(pong.type, "pong");
    // every error frame carries code, error and timestamp
    c.send({ type: "nope", id: "shape" });
    const e = await c.next("error");
    assert.equal(typeof e.error, "string");
    assert.equal(typeof e.timestamp, "number");
    c.close();
  });

  it("closes a connection that sends a frame over the size limit with 1009; others are unaffected", async () => {
    const bystander = await TestClient.connect(g.wsUrl);
    await bystander.request({ type: "subscribe", topic: "big.t" });
    const c = await TestClient.connect(g.wsUrl);
    c.send({ type: "publish", topic: "big.t", data: "x".repeat(5000) });
    assert.equal(await c.closed, 1009);
    await postJson(`${g.url}/api/publish`, { topic: "big.t", data: "still here" });
    assert.equal((await bystander.next("event")).data, "still here");
    bystander.close();
  });
});
