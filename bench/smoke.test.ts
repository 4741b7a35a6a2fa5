/**
 * The bench's smoke scenario in the test suite: every server, one short low-rate step. Asserts
 * that the harness counts correctly (every expected delivery is either delivered or lost, the
 * backlog is never negative, a healthy run has no duplicates, losses or reordering) — never
 * timing figures, which depend on the machine.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runBench } from "./run.js";

test("the smoke scenario accounts every event on every server", async () => {
  const report = await runBench({ scenarios: ["smoke"], runs: 1, stepMs: 1000, drainMs: 5000, pin: false });
  assert.deepEqual(report.runs.map((r) => r.server).sort(), ["herald", "socketio", "ws-cork", "ws-raw"]);
  for (const run of report.runs) {
    const where = `${run.server}: ${JSON.stringify(run)}`;
    assert.equal(run.connectFailed, 0, where);
    assert.equal(run.connections, 20, where);
    assert.equal(run.steps.length, 1, where);
    const step = run.steps[0];
    assert.ok(step, where);
    assert.ok(step.expected > 0, where);
    assert.equal(step.delivered + step.lost + step.queued, step.expected, where);
    assert.equal(step.queued, 0, where);
    assert.ok(step.backlog >= 0, where);
    assert.equal(step.duplicated, 0, where);
    assert.equal(step.reordered, 0, where);
    assert.equal(step.lost, 0, where);
    assert.equal(step.closed, 0, where);
    assert.ok(step.latencyMs.p50 > 0 && step.latencyMs.p50 <= step.latencyMs.max, where);
  }
  // Medians and ratios are built for Herald against each baseline.
  const summary = report.summary[0];
  assert.ok(summary);
  assert.deepEqual(summary.ratios.map((r) => r.baseline).sort(), ["socketio", "ws-cork", "ws-raw"]);
  assert.match(report.table, /\| herald \|/);
});
