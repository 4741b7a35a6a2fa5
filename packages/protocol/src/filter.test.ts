import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { HeraldError } from "./errors.js";
import { compileFilter, filterKey, readPath } from "./filter.js";

const post = {
  id: "e1",
  topic: "posts.x",
  event: "post",
  source: "trusted_news",
  verified: true,
  data: { category: "politics", sentiment: { label: "negative", score: -0.6 }, tags: ["a", "b"], text: "the vote" },
};

function problem(filter: unknown): string {
  try {
    compileFilter(filter);
  } catch (err) {
    assert.ok(err instanceof HeraldError);
    assert.equal(err.code, "invalid_filter");
    return err.message;
  }
  assert.fail("expected invalid_filter");
}

describe("filter language", () => {
  it("reads envelope fields by name and any other name from data", () => {
    assert.equal(readPath(post, ["source"]), "trusted_news");
    assert.equal(readPath(post, ["category"]), "politics");
    assert.equal(readPath(post, ["data", "category"]), "politics");
    assert.equal(readPath(post, ["sentiment", "label"]), "negative");
    assert.equal(readPath(post, ["sentiment", "label", "x"]), undefined);
  });

  it("applies every operator", () => {
    const yes = (f: unknown) => assert.equal(compileFilter(f)(post), true, JSON.stringify(f));
    const no = (f: unknown) => assert.equal(compileFilter(f)(post), false, JSON.stringify(f));
    yes({ category: "politics" });
    yes({ category: { eq: "politics" } });
    no({ category: { eq: "economy" } });
    yes({ category: { ne: "economy" } });
    yes({ category: { in: ["politics", "economy"] }, source: { in: ["trusted_news"] } });
    no({ category: { nin: ["politics"] } });
    yes({ missing: { nin: ["x"] } });
    no({ missing: { in: ["x"] } });
    yes({ "sentiment.score": { lt: 0, gte: -1 } });
    no({ "sentiment.score": { gt: 0 } });
    no({ category: { gt: 3 } }); // a string never compares with a number
    yes({ text: { contains: "vote" } });
    yes({ tags: { contains: "b" } });
    no({ tags: { contains: "c" } });
    yes({ missing: { exists: false }, category: { exists: true } });
    yes({ tags: { eq: ["a", "b"] } });
    yes({ $or: [{ category: "economy" }, { verified: true }] });
    no({ $not: { verified: true } });
    yes({ $and: [{ category: "politics" }, { "sentiment.label": "negative" }] });
    yes({});
  });

  it("names the first problem of a bad filter", () => {
    assert.match(problem([]), /JSON object/);
    assert.match(problem({ category: { like: "x" } }), /category\.like: unknown operator/);
    assert.match(problem({ category: { in: "x" } }), /category\.in needs a list/);
    assert.match(problem({ "bad path!": 1 }), /not a valid field path/);
    assert.match(problem({ $xor: [] }), /unknown combinator/);
    assert.match(problem({ n: { gt: {} } }), /needs a number or a string/);
    assert.match(problem({ n: { exists: "yes" } }), /true or false/);
    assert.match(problem({ n: {} }), /at least one operator/);
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, i]));
    assert.match(problem(many), /more than 32 conditions/);
    assert.match(problem({ $not: { $not: { $not: { $not: { $not: { a: 1 } } } } } }), /nests deeper/);
  });

  it("gives equal keys to filters that differ only in key order", () => {
    assert.equal(filterKey({ a: { in: [1, 2] }, b: "x" }), filterKey({ b: "x", a: { in: [1, 2] } }));
    assert.notEqual(filterKey({ a: { in: [1, 2] } }), filterKey({ a: { in: [2, 1] } }));
  });

  it("in agrees with a scan of the list for any values (property)", () => {
    const scalar = fc.oneof(
      fc.integer({ min: 0, max: 5 }),
      fc.constantFrom("a", "b", "c"),
      fc.boolean(),
      fc.constant(null),
    );
    fc.assert(
      fc.property(fc.array(scalar, { maxLength: 8 }), scalar, (list, value) => {
        const matches = compileFilter({ v: { in: list } })({ data: { v: value } });
        assert.equal(matches, list.includes(value));
        assert.equal(compileFilter({ v: { nin: list } })({ data: { v: value } }), !list.includes(value));
      }),
    );
  });
});
