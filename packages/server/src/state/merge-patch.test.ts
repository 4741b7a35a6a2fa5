import assert from "node:assert/strict";
import { it } from "node:test";
import { mergePatch } from "./merge-patch.js";

it("applies every example of RFC 7396 appendix A", () => {
  const cases: Array<[unknown, unknown, unknown]> = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [
      ["a", "b"],
      ["c", "d"],
      ["c", "d"],
    ],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, result] of cases) assert.deepEqual(mergePatch(target, patch), result);
});

it("never modifies its arguments and ignores __proto__", () => {
  const target = { a: { b: 1 } };
  const patch = JSON.parse('{"a":{"c":2},"__proto__":{"polluted":true}}');
  const out = mergePatch(target, patch) as Record<string, unknown>;
  assert.deepEqual(target, { a: { b: 1 } });
  assert.deepEqual(out, { a: { b: 1, c: 2 } });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
