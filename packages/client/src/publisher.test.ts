/**
 * The publisher's retry of publishes refused for rate, on a scripted wire: refusals without an
 * id send every publish in flight back in order without counting them, late acks still settle,
 * the paced queue sends one publish at a time, attempts are bounded while paced, and a timeout
 * or a lost connection never stalls the queue.
 */
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { AckFrame } from "@herald/protocol";
import { HeraldClientError } from "./errors.js";
import type { PublishAck } from "./publish-queue.js";
import { Publisher, type PublishWire } from "./publisher.js";

interface Sent {
  id: string;
  i: number;
  ok(answer: AckFrame<"publish">): void;
  fail(error: HeraldClientError): void;
}

function setup(attempts = 5) {
  const sent: Sent[] = [];
  let next = 0;
  let connected = true;
  const dropped: string[] = [];
  const wire: PublishWire = {
    connected: () => connected,
    request: (frame, ok, fail) => {
      const id = `r${++next}`;
      sent.push({ id, i: (frame.data as { i: number }).i, ok, fail });
      return id;
    },
    drop: (id) => dropped.push(id),
  };
  const publisher = new Publisher(wire, 100, { attempts, minMs: 2, maxMs: 4, factor: 2 }, () => 0);
  const ack = (s: Sent | undefined) =>
    s?.ok({ type: "ack", topic: "t", eventId: `e${s.i}`, seq: s.i, epoch: "E", offset: s.i, duplicate: false });
  const pub = (i: number, timeoutMs = 0) =>
    publisher.publish({ type: "publish", topic: "t", data: { i }, eventId: `e${i}` }, timeoutMs);
  return { publisher, sent, dropped, ack, pub, setConnected: (v: boolean) => (connected = v) };
}

/**
 * Fake timers for one test (the publisher's pauses and timeouts are `setTimeout`s): `tick(ms)`
 * advances them by exactly `ms` and lets the promise jobs they started run.
 */
function fakeClock(t: TestContext): (ms?: number) => Promise<void> {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  return async (ms = 15) => {
    t.mock.timers.tick(ms);
    await new Promise((r) => setImmediate(r));
  };
}

test("a refusal without id: publishes in flight go back in order, paced one at a time; a late ack still counts", async (t) => {
  const tick = fakeClock(t);
  const { publisher, sent, ack, pub } = setup();
  const results: Promise<PublishAck>[] = [pub(1), pub(2), pub(3)];
  assert.deepEqual(
    sent.map((s) => s.i),
    [1, 2, 3],
    "pipelined while nothing was refused",
  );
  publisher.rateLimited();
  assert.equal(publisher.queued, 3, "all three may be the refused one");
  results.push(pub(4)); // made while paused: waits behind them
  ack(sent[0]); // #1 had been accepted after all: its late ack settles it
  assert.equal(publisher.queued, 3);
  await tick(0);
  assert.equal(sent.length, 3, "nothing is resent during the pause (1 ms: half the 2 ms ceiling, no jitter)");
  await tick(1);
  assert.deepEqual(
    sent.slice(3).map((s) => s.i),
    [2],
    "after the pause: one at a time, oldest first",
  );
  ack(sent[3]);
  assert.deepEqual(
    sent.slice(4).map((s) => s.i),
    [3],
  );
  ack(sent[4]);
  ack(sent[5]);
  assert.deepEqual(
    (await Promise.all(results)).map((a) => a.seq),
    [1, 2, 3, 4],
  );
  void pub(5);
  assert.equal(sent.at(-1)?.i, 5, "the queue drained: pipelining again");
  assert.equal(publisher.queued, 0);
});

test("while paced, refusals count against the one publish in flight; past `attempts` it rejects with rate_limited", async (t) => {
  const tick = fakeClock(t);
  const { publisher, sent, ack, pub } = setup(1);
  const a = pub(1);
  const b = pub(2);
  publisher.rateLimited(); // pipelined: not counted
  await tick();
  assert.equal(sent.at(-1)?.i, 1);
  publisher.rateLimited(); // paced: #1 refused (attempt 1 of 1 allowed)
  await tick();
  assert.equal(sent.at(-1)?.i, 1, "retried");
  publisher.rateLimited(); // refused again: over the bound
  await assert.rejects(
    a,
    (err: HeraldClientError) => err.code === "rate_limited" && /1 times|2 times/.test(err.message),
  );
  await tick();
  assert.equal(sent.at(-1)?.i, 2, "the next one goes on");
  ack(sent.at(-1));
  assert.equal((await b).seq, 2);
});

test("an answer naming the request refuses exactly that publish; other errors reject at once", async (t) => {
  const tick = fakeClock(t);
  const { sent, ack, pub } = setup();
  const a = pub(1);
  const b = pub(2);
  sent[0]?.fail(new HeraldClientError("rate_limited", "slow down"));
  ack(sent[1]); // #2 was accepted
  await tick();
  assert.equal(sent.at(-1)?.i, 1, "only #1 is resent");
  ack(sent.at(-1));
  assert.equal((await a).seq, 1);
  assert.equal((await b).seq, 2);
  const c = pub(3);
  sent.at(-1)?.fail(new HeraldClientError("forbidden", "no"));
  await assert.rejects(c, { code: "forbidden" });
});

test("a publish timing out while paced does not stall the queue; a lost connection ends the pause", async (t) => {
  const tick = fakeClock(t);
  const { publisher, sent, ack, pub, setConnected } = setup();
  const a = pub(1, 5);
  const b = pub(2);
  publisher.rateLimited();
  const timedOut = assert.rejects(a, { code: "request_timeout" });
  await tick(5);
  await timedOut;
  await tick();
  assert.equal(sent.at(-1)?.i, 2);
  publisher.rateLimited(); // #2 refused while paced
  setConnected(false);
  publisher.connectionLost();
  const c = pub(3);
  assert.equal(publisher.queued, 2);
  setConnected(true);
  publisher.pump(); // reconnected: a fresh rate budget, pipelined again
  assert.deepEqual(
    sent.slice(-2).map((s) => s.i),
    [2, 3],
  );
  ack(sent.at(-2));
  ack(sent.at(-1));
  assert.equal((await b).seq, 2);
  assert.equal((await c).seq, 3);
});
