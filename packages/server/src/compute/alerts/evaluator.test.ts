/** The rule state machine with an injected clock: `for`, cooldown, hysteresis, conditions. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Clock } from "../context.js";
import { RuleEvaluator, type Transition } from "./evaluator.js";
import { type AlertRuleSpec, compileRule } from "./rule.js";

/** A clock the test moves by hand; timers run when their time is passed. */
class FakeClock implements Clock {
  private t = 1_000_000;
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  now(): number {
    return this.t;
  }
  after(ms: number, fn: () => void) {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.live = false;
      },
    };
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.t = due.at;
      due.live = false;
      due.fn();
    }
    this.t = end;
  }
}

function setup(extra: Partial<AlertRuleSpec>) {
  const clock = new FakeClock();
  const seen: Transition[] = [];
  const rule = compileRule({
    id: "sentiment_drop",
    topic: "posts",
    field: "sentiment",
    condition: "below",
    threshold: 0.3,
    channel: "critical_alerts",
    ...extra,
  });
  const ev = new RuleEvaluator(rule, clock, (t) => seen.push(t));
  let n = 0;
  const read = (v: unknown) => ev.read(v, `e${++n}`);
  return { clock, seen, ev, read, states: () => seen.map((t) => t.state) };
}

describe("RuleEvaluator", () => {
  it("fires at once without `for`, and resolves when the condition stops holding", () => {
    const { read, states, seen } = setup({});
    read(0.5);
    assert.deepEqual(states(), []);
    read(0.2);
    read(0.1);
    assert.deepEqual(states(), ["firing"], "a firing rule does not fire again while it holds");
    assert.equal(seen[0]?.trigger, "e2");
    read(0.3);
    assert.deepEqual(states(), ["firing", "resolved"]);
  });

  it("with `for`, fires only once the condition held that long, by timer, and not when broken before", () => {
    const { read, states, clock, seen } = setup({ for: "10s" });
    read(0.1);
    clock.advance(9_000);
    assert.deepEqual(states(), []);
    read(0.9); // broken: the wait starts over
    clock.advance(5_000);
    assert.deepEqual(states(), []);
    read(0.2);
    clock.advance(9_999);
    assert.deepEqual(states(), []);
    clock.advance(1);
    assert.deepEqual(states(), ["firing"]);
    assert.equal(seen[0]?.trigger, "e3", "the event that started the wait");
  });

  it("with hysteresis, does not resolve until the value reaches resolveThreshold", () => {
    const { read, states } = setup({ resolveThreshold: 0.5 });
    read(0.2);
    read(0.31);
    read(0.45);
    assert.deepEqual(states(), ["firing"]);
    read(0.5);
    assert.deepEqual(states(), ["firing", "resolved"]);
    read(0.29);
    assert.deepEqual(states(), ["firing", "resolved", "firing"]);
  });

  it("with a cooldown, suppresses a new firing within it and fires on the first value after it", () => {
    const { read, states, clock, ev } = setup({ cooldown: "1m" });
    read(0.1);
    read(0.9);
    clock.advance(30_000);
    read(0.1);
    assert.deepEqual(states(), ["firing", "resolved"]);
    assert.equal(ev.suppressed, 1);
    clock.advance(30_000);
    read(0.1);
    assert.deepEqual(states(), ["firing", "resolved", "firing"]);
  });

  it("evaluates above, equals and contains, and ignores events without the field", () => {
    const above = setup({ id: "viral_content", condition: "above", threshold: 10_000, field: "engagement" });
    above.read(undefined);
    above.read(10_000);
    above.read(10_001);
    assert.deepEqual(above.states(), ["firing"]);
    const equals = setup({ condition: "equals", threshold: "negative", field: "label" });
    equals.read("positive");
    equals.read("negative");
    equals.read("neutral");
    assert.deepEqual(equals.states(), ["firing", "resolved"]);
    const contains = setup({ condition: "contains", threshold: "election", field: "text" });
    contains.read("nothing here");
    contains.read("the election results");
    assert.deepEqual(contains.states(), ["firing"]);
    const tags = setup({ condition: "contains", threshold: "fraud", field: "tags" });
    tags.read(["a", "fraud"]);
    assert.deepEqual(tags.states(), ["firing"]);
  });

  it("refuses invalid rules with the field named", () => {
    const base = { id: "r", topic: "t", field: "f", channel: "c" };
    assert.throws(() => compileRule({ ...base, condition: "above", threshold: "x" }), /"threshold" must be a number/);
    assert.throws(
      () => compileRule({ ...base, condition: "above", threshold: 5, resolveThreshold: 6 }),
      /resolving side/,
    );
    assert.throws(() => compileRule({ ...base, condition: "near", threshold: 5 }), /"condition"/);
    assert.throws(
      () => compileRule({ ...base, aggregation: "a", condition: "above", threshold: 1 }),
      /either "topic" or "aggregation"/,
    );
    assert.throws(() => compileRule({ ...base, condition: "above", threshold: 1, for: "soon" }), /"for"/);
    assert.throws(
      () =>
        compileRule({ ...base, condition: "above", threshold: 1, webhook: { url: "ftp://x", secret: "s".repeat(16) } }),
      /webhook.url/,
    );
  });
});
