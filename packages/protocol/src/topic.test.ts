import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isPattern, patternProblem, personalTopic, topicMatches, topicProblem } from "./topic.js";

describe("topic names", () => {
  it("accepts dotted names of allowed characters", () => {
    for (const t of ["a", "market.price.CF1-001", "user.alice@example", "x_y:z=1+2~3"]) {
      assert.equal(topicProblem(t), undefined, t);
    }
  });

  it("rejects empty segments, wildcards, bad characters and overlong names with a reason", () => {
    assert.match(topicProblem("") as string, /empty/);
    assert.match(topicProblem("a..b") as string, /empty segment/);
    assert.match(topicProblem("a.") as string, /empty segment/);
    assert.match(topicProblem("a.*") as string, /may only contain/);
    assert.match(topicProblem("a b") as string, /may only contain/);
    assert.match(topicProblem("a".repeat(256)) as string, /longer than 255/);
    assert.match(topicProblem(Array(17).fill("a").join(".")) as string, /more than 16 segments/);
    assert.match(topicProblem(42) as string, /must be a string/);
  });

  it("agrees with the rule on names made of every kind of piece (valid, empty, wildcard, bad character, too many segments)", () => {
    const valid = (name: string) =>
      name.length > 0 &&
      name.length <= 255 &&
      name.split(".").length <= 16 &&
      name.split(".").every((s) => /^[A-Za-z0-9_\-:@=+~]+$/.test(s));
    const pieces = ["a", "Z9", "x-y", "@", "=+~", "", "*", ">", " ", "é", "\n", "a/b"];
    let seed = 7;
    const pick = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let n = 0; n < 5000; n++) {
      const count = 1 + (pick() % 18);
      const name = Array.from({ length: count }, () => pieces[pick() % pieces.length]).join(".");
      assert.equal(topicProblem(name) === undefined, valid(name), JSON.stringify(name));
    }
    const longest = Array(16).fill("a".repeat(15)).join(".");
    assert.equal(topicProblem(longest), undefined);
    assert.match(topicProblem(`${longest}.a`) as string, /more than 16 segments|longer than 255/);
  });

  it("accepts patterns with * anywhere and > only last", () => {
    for (const p of ["*", ">", "a.*", "*.b", "a.*.c", "a.>", "*.>"]) assert.equal(patternProblem(p), undefined, p);
    assert.match(patternProblem("a.>.b") as string, /last segment/);
    assert.match(patternProblem("a.b*") as string, /may only contain/);
    assert.match(patternProblem("a..*") as string, /empty segment/);
  });

  it("tells patterns from topics", () => {
    assert.equal(isPattern("a.b"), false);
    assert.equal(isPattern("a.*"), true);
    assert.equal(isPattern("*.b"), true);
    assert.equal(isPattern("a.*.c"), true);
    assert.equal(isPattern("a.>"), true);
    assert.equal(isPattern(">"), true);
  });

  it("matches * as one segment and > as one or more", () => {
    assert.equal(topicMatches("proposal.*", "proposal.created"), true);
    assert.equal(topicMatches("proposal.*", "proposal.created.x"), false);
    assert.equal(topicMatches("proposal.*", "proposal"), false);
    assert.equal(topicMatches("market.>", "market.price.CF1-001"), true);
    assert.equal(topicMatches("market.>", "market"), false);
    assert.equal(topicMatches("*.price.*", "market.price.x"), true);
    assert.equal(topicMatches("a.b", "a.b"), true);
  });

  it("maps users to personal topics that are always valid and distinct", () => {
    assert.equal(personalTopic("alice"), "user.alice");
    const odd = ["a.b@example.com", "~alice", "名前", "a b"].map(personalTopic);
    for (const t of odd) assert.equal(topicProblem(t), undefined, t);
    assert.equal(new Set(odd).size, odd.length);
    assert.notEqual(personalTopic("~alice"), personalTopic("alice"));
  });
});
