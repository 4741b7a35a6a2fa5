/**
 * One event frame: the frame the Redis engine builds inside its Lua script (from the head and
 * tail `frameParts` prepares) is byte-for-byte the frame `eventFrame` builds from the event it
 * decodes to, for every optional field; so a client cannot tell which engine or node a frame
 * came from, and the memory engine's frames are the same bytes (issue 12, point 2).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, it } from "node:test";
import type { HeraldEvent } from "@herald/protocol";
import { DEFAULTS } from "../../src/config.js";
import { eventFrame, type PublishRequest } from "../../src/engine/broker.js";
import { MemoryBroker } from "../../src/engine/broker-memory.js";
import { Namespaces } from "../../src/hub/namespaces.js";
import { dropPrefix, redisBroker } from "./redis-helpers.js";

const prefix = `herald-test-pin-${randomUUID().slice(0, 8)}`;
after(() => dropPrefix(prefix));

const requests: PublishRequest[] = [
  { topic: "pin.a", data: { n: 1, s: 'é\u2028"q"', nested: [1, null, { x: true }] } },
  { topic: "pin.b", event: "price", data: 42.5, id: "fixed-id-1" },
  { topic: "pin.c", data: null, source: "nats:orders" },
  {
    topic: "pin.d",
    event: "signed",
    data: { v: 1 },
    source: "webhook:feed",
    sig: "c2lnbmF0dXJl",
    publisher: "crawler-7",
    verified: true,
    kid: "k1",
    traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  },
];

it("the Redis engine's Lua-built frame equals eventFrame(event), byte for byte; so do the memory engine's", async () => {
  const redis = redisBroker(prefix);
  const memory = new MemoryBroker({
    namespaces: new Namespaces(DEFAULTS.namespaces),
    recovery: DEFAULTS.recovery,
    idempotency: DEFAULTS.idempotency,
  });
  for (const broker of [redis, memory]) {
    await broker.start();
    const frames: Array<[HeraldEvent, string]> = [];
    broker.onEvent((event, json) => frames.push([event, json]));
    for (const r of requests) await broker.publish(r);
    const deadline = Date.now() + 10_000;
    while (frames.length < requests.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(frames.length, requests.length);
    for (const [event, json] of frames) {
      assert.equal(json, eventFrame(event), `${event.topic}: the frame is what eventFrame builds`);
      assert.deepEqual(JSON.parse(json), { type: "event", ...JSON.parse(eventFrame(event)) });
    }
    const signed = frames.find(([e]) => e.topic === "pin.d")?.[0];
    assert.deepEqual(
      [signed?.publisher, signed?.verified, signed?.kid, signed?.sig, signed?.source],
      ["crawler-7", true, "k1", "c2lnbmF0dXJl", "webhook:feed"],
      "every optional field made the round trip",
    );
    await broker.close();
  }
});
