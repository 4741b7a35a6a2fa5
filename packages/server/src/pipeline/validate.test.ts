import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { HeraldError } from "@herald/protocol";
import { ValidateStage } from "./validate.js";

const price = {
  type: "object",
  required: ["symbol", "price"],
  properties: { symbol: { type: "string" }, price: { type: "number", minimum: 0 } },
};

describe("validate stage", () => {
  it("checks the schema of the event type and names the first failing path", () => {
    const stage = new ValidateStage({ stage: "validate", schemas: { price_update: price } });
    const ok = { topic: "market.x", event: "price_update", data: { symbol: "X", price: 1 } };
    assert.equal(stage.run(ok), ok);
    assert.throws(
      () => stage.run({ ...ok, data: { symbol: "X", price: -1 } }),
      (err: HeraldError) => {
        assert.equal(err.code, "invalid_event");
        assert.match(err.message, /^data\.price must be >= 0/);
        assert.deepEqual(err.details, { stage: "validate", path: "data.price", type: "price_update" });
        return true;
      },
    );
    assert.throws(() => stage.run({ ...ok, data: { price: 1 } }), /data must have required property 'symbol'/);
    assert.equal(stage.rejected.get("price_update"), 2);
  });

  it("falls back to the first matching topic pattern; events with neither pass", () => {
    const stage = new ValidateStage({ stage: "validate", schemas: { "market.>": price } });
    assert.throws(() => stage.run({ topic: "market.a.b", data: {} }), { code: "invalid_event" });
    const other = { topic: "news.a", data: {} };
    assert.equal(stage.run(other), other);
  });

  it("reads a schema from a file and refuses a schema that does not compile", () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-validate-"));
    const file = join(dir, "price.json");
    writeFileSync(file, JSON.stringify(price));
    const stage = new ValidateStage({ stage: "validate", schemas: { price_update: file } });
    assert.throws(() => stage.run({ topic: "t", event: "price_update", data: 1 }), { code: "invalid_event" });
    assert.throws(() => new ValidateStage({ stage: "validate", schemas: { x: { type: "nope" } } }), /schema "x"/);
    assert.throws(
      () => new ValidateStage({ stage: "validate", schemas: { x: join(dir, "missing.json") } }),
      /cannot read/,
    );
  });
});
