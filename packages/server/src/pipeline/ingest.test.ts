import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HeraldError, type HeraldEvent } from "@herald/protocol";
import type { PublishRequest } from "../engine/broker.js";
import { MemoryDeadLetterStore } from "./dead-letter-memory.js";
import { Ingest } from "./ingest.js";

function eventOf(r: PublishRequest): HeraldEvent {
  return {
    id: r.id ?? "x",
    topic: r.topic,
    event: "message",
    data: r.data,
    timestamp: 1,
    seq: 1,
    epoch: "e",
    offset: 1,
  };
}

describe("Ingest", () => {
  it("publishes, reports duplicates, and dead-letters refusals with their stage", async () => {
    const seen = new Set<string>();
    const dead = new MemoryDeadLetterStore();
    const ingest = new Ingest(async (r, ctx) => {
      assert.equal(ctx.origin, "feed");
      if (r.topic === "bad.sig") throw new HeraldError("forbidden", "no", { details: { stage: "verify" } });
      const duplicate = seen.has(r.id as string);
      seen.add(r.id as string);
      return { event: eventOf(r), duplicate };
    }, dead);
    assert.equal((await ingest.offer({ topic: "a", data: 1, id: "1", source: "feed" })).status, "published");
    assert.equal((await ingest.offer({ topic: "a", data: 1, id: "1", source: "feed" })).status, "duplicate");
    const refused = await ingest.offer({ topic: "bad.sig", data: 2, id: "2", source: "feed" });
    assert.equal(refused.status, "dead-lettered");
    const [entry] = await dead.list({ limit: 10 });
    assert.equal(entry?.stage, "verify");
    assert.equal(entry?.code, "forbidden");
    assert.deepEqual(entry?.request, { topic: "bad.sig", data: 2, id: "2", source: "feed" });
  });

  it("keeps nothing and rejects when the publish path is unavailable", async () => {
    const dead = new MemoryDeadLetterStore();
    const ingest = new Ingest(async () => {
      throw new HeraldError("unavailable");
    }, dead);
    await assert.rejects(ingest.offer({ topic: "a", data: 1, source: "feed" }), { code: "unavailable" });
    assert.equal(await dead.count(), 0);
  });

  it("bounds the memory store, dropping the oldest entry", async () => {
    const dead = new MemoryDeadLetterStore(2);
    for (const n of [1, 2, 3]) {
      await dead.add({ source: "s", stage: "x", code: "c", reason: "r", request: { topic: "t", data: n } });
    }
    const kept = await dead.list({ limit: 10 });
    assert.deepEqual(
      kept.map((e) => e.request.data),
      [2, 3],
    );
    assert.equal(await dead.remove([kept[0]?.id as string, "nope"]), 1);
    assert.deepEqual(
      (await dead.list({ limit: 10, after: "0" })).map((e) => e.request.data),
      [3],
    );
  });
});
