import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HeraldError, type HeraldEvent } from "@herald/protocol";
import type { PublishOutcome, PublishRequest } from "../engine/broker.js";
import type { PublishContext, Stage } from "./stage.js";
import { PublishPath, runStages, tagStage } from "./stages.js";

const ctx: PublishContext = { origin: "test" };

function commitInto(log: PublishRequest[]) {
  return async (r: PublishRequest): Promise<PublishOutcome> => {
    log.push(r);
    const event: HeraldEvent = {
      id: r.id ?? "x",
      topic: r.topic,
      event: "message",
      data: r.data,
      timestamp: 1,
      seq: log.length,
      epoch: "e",
      offset: log.length,
    };
    return { event, duplicate: false };
  };
}

describe("publish path stages", () => {
  it("runs stages in their declared order, each seeing the previous one's result", async () => {
    const seen: string[] = [];
    const stage = (name: string): Stage => ({
      name,
      run: (r) => {
        seen.push(name);
        return { ...r, data: `${r.data as string}${name}` };
      },
    });
    const committed: PublishRequest[] = [];
    const path = new PublishPath([stage("a"), stage("b"), stage("c")], commitInto(committed));
    await path.run({ topic: "t", data: "" }, ctx);
    assert.deepEqual(seen, ["a", "b", "c"]);
    assert.equal(committed[0]?.data, "abc");
  });

  it("tags a refusal with the stage that made it and commits nothing", async () => {
    const committed: PublishRequest[] = [];
    const path = new PublishPath(
      [
        { name: "ok", run: (r) => r },
        {
          name: "verify",
          run: () => {
            throw new HeraldError("forbidden", "nope");
          },
        },
      ],
      commitInto(committed),
    );
    await assert.rejects(path.run({ topic: "t", data: 1 }, ctx), (err: HeraldError) => {
      assert.equal(err.code, "forbidden");
      assert.deepEqual(err.details, { stage: "verify" });
      return true;
    });
    assert.equal(committed.length, 0);
  });

  it("tags an async refusal too, and keeps a stage already named by an inner pipeline", async () => {
    const inner = tagStage(new HeraldError("invalid_event", "x"), "validate");
    const path = new PublishPath(
      [
        {
          name: "pipeline",
          run: () => Promise.reject(inner),
        },
      ],
      commitInto([]),
    );
    await assert.rejects(path.run({ topic: "t", data: 1 }, ctx), (err: HeraldError) => {
      assert.deepEqual(err.details, { stage: "validate" });
      return true;
    });
    const wrapped = tagStage(new Error("boom"), "enrich");
    assert.equal(wrapped.code, "internal");
    assert.deepEqual(wrapped.details, { stage: "enrich" });
  });

  it("fans out: every output runs the remaining stages and is committed; the first answers", async () => {
    const committed: PublishRequest[] = [];
    const path = new PublishPath(
      [
        {
          name: "route",
          run: (r) => [
            { ...r, topic: "a" },
            { ...r, topic: "b" },
          ],
        },
        { name: "mark", run: (r) => ({ ...r, event: `on-${r.topic}` }) },
      ],
      commitInto(committed),
    );
    const out = await path.run({ topic: "src", data: 1 }, ctx);
    assert.deepEqual(
      committed.map((r) => [r.topic, r.event]),
      [
        ["a", "on-a"],
        ["b", "on-b"],
      ],
    );
    assert.equal(out.event.topic, "a");
    assert.equal(out.routed?.[0]?.event.topic, "b");
  });

  it("stays synchronous when every stage and the finish are synchronous", () => {
    const r = runStages(
      [{ name: "a", run: (x) => x }],
      0,
      { topic: "t", data: 1 },
      ctx,
      (x) => x.topic,
      (all) => all.join(),
    );
    assert.equal(r, "t");
  });
});
