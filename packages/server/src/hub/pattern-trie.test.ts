import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { topicMatches } from "@herald/protocol";
import fc from "fast-check";
import { PatternTrie } from "./pattern-trie.js";

// A small alphabet makes collisions (and so real matches) frequent.
const segment = fc.constantFrom("a", "b", "c", "price", "CF1-001");
const topic = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join("."));
const pattern = fc
  .tuple(fc.array(fc.oneof(segment, fc.constant("*")), { minLength: 1, maxLength: 5 }), fc.boolean())
  .map(([segs, tail]) => (tail ? [...segs, ">"] : segs).join("."));

function matched(trie: PatternTrie<number>, t: string): number[] {
  const out: number[] = [];
  trie.match(t, (v) => out.push(v));
  return out.sort((x, y) => x - y);
}

describe("PatternTrie", () => {
  it("matches exactly what the reference definition matches", () => {
    fc.assert(
      fc.property(
        fc.array(pattern, { maxLength: 30 }),
        fc.array(topic, { minLength: 1, maxLength: 20 }),
        (patterns, topics) => {
          const trie = new PatternTrie<number>();
          for (const [i, p] of patterns.entries()) trie.add(p, i);
          for (const t of topics) {
            const expected = patterns.flatMap((p, i) => (topicMatches(p, t) ? [i] : []));
            assert.deepEqual(matched(trie, t), expected, `topic ${t}`);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("stays equal to the reference after random removals, and prunes to empty", () => {
    fc.assert(
      fc.property(
        fc.array(pattern, { minLength: 1, maxLength: 30 }),
        fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
        fc.array(topic, { minLength: 1, maxLength: 10 }),
        (patterns, keep, topics) => {
          const trie = new PatternTrie<number>();
          for (const [i, p] of patterns.entries()) trie.add(p, i);
          patterns.forEach((p, i) => {
            if (!keep[i]) assert.equal(trie.remove(p, i), true);
          });
          for (const t of topics) {
            const expected = patterns.flatMap((p, i) => (keep[i] && topicMatches(p, t) ? [i] : []));
            assert.deepEqual(matched(trie, t), expected);
          }
          for (const [i, p] of patterns.entries()) if (keep[i]) trie.remove(p, i);
          assert.equal(trie.size, 0);
          assert.equal(trie.remove(patterns[0] as string, 0), false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("does not add the same value twice under one pattern", () => {
    const trie = new PatternTrie<string>();
    assert.equal(trie.add("a.*", "x"), true);
    assert.equal(trie.add("a.*", "x"), false);
    assert.equal(trie.size, 1);
    assert.deepEqual(
      (() => {
        const out: string[] = [];
        trie.match("a.b", (v) => out.push(v));
        return out;
      })(),
      ["x"],
    );
  });

  it("treats > as one or more trailing segments, never zero", () => {
    const trie = new PatternTrie<string>();
    trie.add("market.>", "m");
    const hits = (t: string) => {
      const out: string[] = [];
      trie.match(t, (v) => out.push(v));
      return out;
    };
    assert.deepEqual(hits("market"), []);
    assert.deepEqual(hits("market.a"), ["m"]);
    assert.deepEqual(hits("market.a.b.c"), ["m"]);
    assert.deepEqual(hits("marketing.a"), []);
  });
});
