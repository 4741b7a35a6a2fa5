/**
 * Idle pattern positions against the real gateway: a pattern that matched nothing while many
 * other events went by (more than the server's stream log keeps) still resumes exactly after a
 * server-side kill, because every `pong` moves its resume point to the node's delivered offset.
 * A client without pings, in the same situation, is told `recovered: false` (the control).
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { HeraldEvent, StreamPosition, SubscribeAck } from "../src/index.js";
import { killConnections, startGateway, testClient, until } from "./support.js";

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test("an idle pattern keeps a recoverable position through pongs; without pings it resets", async () => {
  const running = await startGateway({ recovery: { streamSize: 20, maxEvents: 20 } });
  cleanups.push(() => running.close());
  const pinging = testClient(running.wsUrl, { pingIntervalMs: 20 });
  const silent = testClient(running.wsUrl, { pingIntervalMs: 0 });
  cleanups.push(() => pinging.close());
  cleanups.push(() => silent.close());
  const idle = pinging.subscribe<{ n: number }>("idle.>");
  const control = silent.subscribe<{ n: number }>("idle.>");
  const acks: SubscribeAck[] = [];
  const resets: string[] = [];
  const got: HeraldEvent<{ n: number }>[] = [];
  idle.on("subscribed", (a) => acks.push(a));
  idle.on("reset", () => resets.push("pinging"));
  idle.on("event", (e) => got.push(e));
  control.on("reset", () => resets.push("silent"));
  pinging.connect();
  silent.connect();
  await until(() => idle.status === "subscribed" && control.status === "subscribed", "subscriptions");
  const start = (idle.position as StreamPosition).offset;

  let last = 0;
  for (let i = 0; i < 200; i++) last = (await running.gateway.publish("busy.feed", { i })).event.offset;
  assert.ok(last - start >= 200, "far more events went by than the stream log keeps (20)");
  await until(() => (idle.position as StreamPosition).offset >= last, "a pong to move the idle pattern forward");
  assert.equal((control.position as StreamPosition).offset, start, "no pings: the position stays at the ack");

  killConnections(running.gateway, "terminate");
  await until(() => acks.length >= 2 && resets.includes("silent"), "both resubscribed");
  const resumed = acks[1] as SubscribeAck;
  assert.equal(resumed.recovered, true, "the idle pattern recovered exactly");
  assert.equal(resumed.replayed, 0);
  assert.deepEqual(resets, ["silent"], "only the client without pings was told recovered:false");

  await running.gateway.publish("idle.a", { n: 1 });
  await until(() => got.length === 1, "a live event after the resume");
  assert.equal(got[0]?.data.n, 1);
});
