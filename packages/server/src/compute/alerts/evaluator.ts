/**
 * One rule's state machine: `ok` → (`pending` while `for` runs) → `firing` → `ok`.
 *
 * - The condition is tested on each value read. Above/below compare numbers; equals is JSON
 *   equality; contains is a substring of a string or an element of an array.
 * - `for`: the rule fires only once the condition held for `forMs`, judged by the values read in
 *   that time (any value that breaks it resets the wait); a timer fires it at the deadline.
 * - Hysteresis: a firing above/below rule resolves only once the value reaches
 *   `resolveThreshold` (above: `<=`, below: `>=`), so a value hovering at the threshold does not
 *   flap. Equals/contains resolve when the condition no longer holds.
 * - A missing value (`undefined`, or `null` as in an empty window's average) is ignored.
 * - Cooldown: no new firing within `cooldownMs` of the previous one; a value that holds during
 *   the cooldown fires at the first value read after it.
 */
import type { Clock, TimerHandle } from "../context.js";
import type { CompiledRule } from "./rule.js";

export type RuleState = "ok" | "pending" | "firing";

/** A state change to announce. */
export interface Transition {
  state: "firing" | "resolved";
  value: unknown;
  /** The id of the event whose value caused it (also the basis of the alert's event id). */
  trigger: string;
  at: number;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Whether `value` meets the rule's condition. */
export function holds(rule: CompiledRule, value: unknown): boolean {
  const t = rule.spec.threshold;
  switch (rule.spec.condition) {
    case "above":
      return typeof value === "number" && value > (t as number);
    case "below":
      return typeof value === "number" && value < (t as number);
    case "equals":
      return deepEqual(value, t);
    case "contains":
      if (typeof value === "string") return value.includes(t as string);
      return Array.isArray(value) && value.some((v) => deepEqual(v, t));
  }
}

/** Whether a firing rule resolves on `value`. */
function resolves(rule: CompiledRule, value: unknown): boolean {
  const { condition, resolveThreshold, threshold } = rule.spec;
  if (typeof value !== "number" || (condition !== "above" && condition !== "below")) return !holds(rule, value);
  const r = resolveThreshold ?? (threshold as number);
  return condition === "above" ? value <= r : value >= r;
}

export class RuleEvaluator {
  state: RuleState = "ok";
  private pendingSince = 0;
  private pendingTrigger = "";
  private pendingValue: unknown;
  private timer: TimerHandle | undefined;
  /** When the rule last fired (0: never). */
  lastFired = 0;
  /** Firings suppressed by the cooldown. */
  suppressed = 0;

  constructor(
    readonly rule: CompiledRule,
    private readonly clock: Clock,
    private readonly announce: (t: Transition) => void,
  ) {}

  /** Reads one value (from the event or result with id `trigger`). */
  read(value: unknown, trigger: string): void {
    // A missing field, or an empty window's null, says nothing about the condition.
    if (value === undefined || value === null) return;
    const now = this.clock.now();
    switch (this.state) {
      case "firing":
        if (resolves(this.rule, value)) {
          this.state = "ok";
          this.announce({ state: "resolved", value, trigger, at: now });
        }
        return;
      case "pending":
        if (!holds(this.rule, value)) {
          this.cancelPending();
          return;
        }
        this.pendingValue = value;
        if (now - this.pendingSince >= this.rule.forMs) this.fire(value, this.pendingTrigger, now);
        return;
      case "ok":
        if (!holds(this.rule, value)) return;
        if (this.rule.forMs === 0) {
          this.fire(value, trigger, now);
          return;
        }
        this.state = "pending";
        this.pendingSince = now;
        this.pendingTrigger = trigger;
        this.pendingValue = value;
        this.timer = this.clock.after(this.rule.forMs, () => {
          this.timer = undefined;
          if (this.state === "pending") this.fire(this.pendingValue, this.pendingTrigger, this.clock.now());
        });
        return;
    }
  }

  private fire(value: unknown, trigger: string, now: number): void {
    this.cancelPending();
    if (this.lastFired > 0 && now - this.lastFired < this.rule.cooldownMs) {
      this.suppressed++;
      return;
    }
    this.state = "firing";
    this.lastFired = now;
    this.announce({ state: "firing", value, trigger, at: now });
  }

  private cancelPending(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.state === "pending") this.state = "ok";
  }

  /** Stops its timer (the rule was removed or disabled). */
  dispose(): void {
    this.cancelPending();
  }

  /** What is kept across a restart. */
  snapshot(): { state: RuleState; lastFired: number } {
    return { state: this.state === "firing" ? "firing" : "ok", lastFired: this.lastFired };
  }

  restore(s: { state: RuleState; lastFired: number }): void {
    this.state = s.state === "firing" ? "firing" : "ok";
    this.lastFired = s.lastFired;
  }
}
