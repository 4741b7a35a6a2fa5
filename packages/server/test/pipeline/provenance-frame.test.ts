/**
 * The provenance the `verify` stage sets (`publisher`, `verified`, `kid`) travels in the event
 * frame identically on both engines: the Redis engine's Lua-built frame equals `eventFrame` of
 * the same event, byte for byte, and history returns the fields.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { DEFAULTS } from "../../src/config.js";
import { type EventListener, eventFrame } from "../../src/engine/broker.js";
import { MemoryBroker } from "../../src/engine/broker-memory.js";
import { Namespaces } from "../../src/hub/namespaces.js";
import { dropPrefix, redisBroker } from "../integration/redis-helpers.js";

const prefix = `h14prov-${process.pid}-${Date.now().toString(36)}`;
const request = {
  topic: "crawler.news",
  event: "content_update",
  data: { hash: "bafy" },
  source: "ipfs",
  sig: "c2ln",
  publisher: "crawler-7",
  verified: true,
  kid: "2026-11",
};

describe("provenance in event frames", () => {
  after(() => dropPrefix(prefix));

  for (const [name, make] of [
    [
      "memory",
      () =>
        new MemoryBroker({
          namespaces: new Namespaces(DEFAULTS.namespaces),
          recovery: DEFAULTS.recovery,
          idempotency: DEFAULTS.idempotency,
        }),
    ],
    ["redis", () => redisBroker(prefix)],
  ] as const) {
    it(`${name}: the live frame carries publisher, verified and kid, equal to eventFrame; history keeps them`, async () => {
      const broker = make();
      await broker.start();
      try {
        let got!: (frame: string) => void;
        const live = new Promise<string>((resolve) => {
          got = resolve;
        });
        const listener: EventListener = (_e, frame) => got(frame);
        broker.onEvent(listener);
        const { event } = await broker.publish(request);
        assert.equal(event.publisher, "crawler-7");
        assert.equal(event.verified, true);
        assert.equal(event.kid, "2026-11");
        const timeout = new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error("no live frame of the published event within 5 s")), 5000).unref(),
        );
        const frame = await Promise.race([live, timeout]);
        assert.equal(frame, eventFrame(event));
        assert.match(frame, /"sig":"c2ln","publisher":"crawler-7","verified":true,"kid":"2026-11","data":/);
        const page = await broker.history("crawler.news", { limit: 10 });
        assert.deepEqual(
          page.events.map((e) => [e.publisher, e.verified, e.kid]),
          [["crawler-7", true, "2026-11"]],
        );
      } finally {
        await broker.close();
      }
    });
  }
});
