/** Declared aggregations and alert rules are checked at configuration time, one line per problem. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, resolveConfig } from "../config.js";

function problems(input: unknown): string[] {
  try {
    resolveConfig(input);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  return [];
}

describe("compute configuration", () => {
  it("names each bad declared aggregation and rule by its path", () => {
    const p = problems({
      compute: {
        enabled: true,
        aggregations: [
          { name: "ok", topic: "posts", window: "1m" },
          { name: "ok", topic: "posts", window: "1m" },
          { name: "bad", topic: "posts", window: "1x" },
        ],
      },
      alerts: { rules: [{ id: "r", topic: "posts", field: "f", condition: "above", threshold: "high", channel: "c" }] },
    });
    assert.deepEqual(p, [
      'config.compute.aggregations[1]: name "ok" is declared twice',
      'config.compute.aggregations[2]: "window" must be a positive duration (ms, or like "500ms", "1s", "5m", "1h")',
      'config.alerts.rules[0]: "threshold" must be a number for "above"',
    ]);
  });

  it("refuses declarations while compute is off, and adds the result and session namespaces when on", () => {
    assert.deepEqual(problems({ compute: { aggregations: [{ name: "a", topic: "t", window: "1s" }] } }), [
      "config.compute.aggregations needs compute.enabled: true",
    ]);
    const off = resolveConfig({});
    assert.deepEqual(
      off.namespaces.map((n) => n.prefix),
      [""],
    );
    const on = resolveConfig({ compute: { enabled: true }, streams: { enabled: true } });
    const agg = on.namespaces.find((n) => n.prefix === "agg");
    const stream = on.namespaces.find((n) => n.prefix === "stream");
    assert.deepEqual([agg?.state, agg?.durable, agg?.clientPublish], [true, true, false]);
    assert.equal(stream?.clientPublish, false);
  });
});
