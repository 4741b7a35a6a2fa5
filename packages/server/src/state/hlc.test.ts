import assert from "node:assert/strict";
import { it } from "node:test";
import { HybridClock, parseStamp } from "./hlc.js";

it("issues increasing stamps even when the wall clock stalls or goes back", () => {
  let wall = 1000;
  const clock = new HybridClock("n1", () => wall);
  const a = clock.tick();
  const b = clock.tick();
  wall = 900;
  const c = clock.tick();
  wall = 2000;
  const d = clock.tick();
  assert.ok(a < b && b < c && c < d);
  assert.deepEqual(parseStamp(d), { wall: 2000, counter: 0, node: "n1" });
});

it("moves past stamps observed from other writers", () => {
  const slow = new HybridClock("slow", () => 1000);
  const fast = new HybridClock("fast", () => 5000);
  const remote = fast.tick();
  slow.observe(remote);
  assert.ok(slow.tick() > remote, "a write that saw another is ordered after it");
  slow.observe("garbage");
  assert.ok(slow.tick() > remote);
});
