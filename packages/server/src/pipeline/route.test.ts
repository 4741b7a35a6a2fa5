import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PublishRequest } from "../engine/broker.js";
import { RouteStage } from "./route.js";

const chainEvent = (action: string, extra: Record<string, unknown> = {}): PublishRequest => ({
  topic: "chain.raw",
  id: "tx1",
  event: "wasm",
  data: { wasm: { action }, proposal_id: 7, ...extra },
});

describe("route stage", () => {
  const stage = new RouteStage({
    stage: "route",
    rules: [
      { when: { "wasm.action": "propose" }, topic: "proposal.{proposal_id}", event: "proposal.created" },
      { when: { "wasm.action": "invest" }, topic: "investment.{proposal_id}", event: "investment.made" },
      { when: { "wasm.action": "invest" }, topic: "market.price.{symbol}", event: "price" },
    ],
  });

  it("maps a raw event to a typed topic and event name from its fields, keeping its id", () => {
    const out = stage.run(chainEvent("propose")) as PublishRequest;
    assert.equal(out.topic, "proposal.7");
    assert.equal(out.event, "proposal.created");
    assert.equal(out.id, "tx1");
  });

  it("fans out to several topics, each with an id derived from the event's", () => {
    const out = stage.run(chainEvent("invest", { symbol: "CF1-001" })) as PublishRequest[];
    assert.deepEqual(
      out.map((r) => [r.topic, r.event, r.id]),
      [
        ["investment.7", "investment.made", "tx1~1"],
        ["market.price.CF1-001", "price", "tx1~2"],
      ],
    );
  });

  it("passes an unmatched event unchanged, or refuses it with unmatched: reject", () => {
    const r = chainEvent("vote");
    assert.equal(stage.run(r), r);
    const strict = new RouteStage({ stage: "route", rules: [{ when: { x: 1 }, topic: "a" }], unmatched: "reject" });
    assert.throws(() => strict.run(r), { code: "invalid_event" });
  });

  it("refuses a template whose field is missing or makes an invalid topic", () => {
    assert.throws(() => stage.run(chainEvent("invest")), /\{symbol\} in the topic is missing/);
    assert.throws(() => stage.run(chainEvent("invest", { symbol: "a b" })), { code: "invalid_topic" });
  });

  it("builds the output's data from the rule's data projection, leaving out missing fields", () => {
    const shaped = new RouteStage({
      stage: "route",
      rules: [
        { topic: "proposals.{proposal_id}", data: { id: "proposal_id", action: "wasm.action", raised: "total" } },
        { topic: "raw.{proposal_id}" },
      ],
    });
    const [state, raw] = shaped.run(chainEvent("invest", { other: 1 })) as PublishRequest[];
    assert.deepEqual(state?.data, { id: 7, action: "invest" });
    assert.deepEqual(raw?.data, { wasm: { action: "invest" }, proposal_id: 7, other: 1 });
  });

  it("mode first: only the first matching rule", () => {
    const first = new RouteStage({
      ...{ stage: "route" as const },
      mode: "first",
      rules: [{ topic: "a" }, { topic: "b" }],
    });
    assert.equal((first.run({ topic: "x", data: {} }) as PublishRequest).topic, "a");
  });
});
