/**
 * docs/metrics.md lists exactly the metrics a running gateway registers, and the Grafana
 * dashboard and Prometheus alert rules in deploy/ name only metrics that exist.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { Metrics } from "../src/metrics.js";
import { type Running, startGateway } from "./helpers.js";

const root = new URL("../../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

/** Metric names an expression uses, histogram/summary series folded onto their metric. */
function namesIn(expr: string): string[] {
  return [...expr.matchAll(/\bherald_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ""));
}

describe("metrics documentation and deploy files", () => {
  let g: Running;
  let r: Running;
  let registered: Set<string>;
  let withDefaults: Set<string>;
  before(async () => {
    g = await startGateway({});
    // The Redis engine registers its own (herald_redis_command_seconds): the shared Redis, a private prefix.
    r = await startGateway({ engine: { type: "redis", keyPrefix: `herald-metrics-docs-${randomUUID().slice(0, 8)}` } });
    const lists = await Promise.all([g, r].map((x) => x.gateway.core.metrics.registry.getMetricsAsJSON()));
    registered = new Set(lists.flat().map((m) => m.name));
    const defaults = new Metrics({ defaultMetrics: true });
    withDefaults = new Set([...registered, ...(await defaults.registry.getMetricsAsJSON()).map((m) => m.name)]);
  });
  after(async () => {
    await g.close();
    await r.close();
  });

  it("docs/metrics.md lists every registered metric, and nothing else", () => {
    const documented = [...read("docs/metrics.md").matchAll(/^\| `(herald_[a-z0-9_]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual([...documented].sort(), [...registered].sort());
  });

  it("every alert rule uses existing metrics", () => {
    const rules = (
      parse(read("deploy/prometheus/alerts.yml")) as { groups: { rules: { alert: string; expr: string }[] }[] }
    ).groups.flatMap((g) => g.rules);
    assert.ok(rules.length >= 4);
    for (const r of rules) {
      const names = namesIn(r.expr);
      assert.ok(names.length > 0, `${r.alert} names a metric`);
      for (const n of names) assert.ok(withDefaults.has(n), `${r.alert}: unknown metric ${n}`);
    }
  });

  it("every Grafana panel query uses existing metrics", () => {
    const dash = JSON.parse(read("deploy/grafana/herald.json")) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    for (const p of dash.panels) {
      for (const t of p.targets) {
        for (const n of namesIn(t.expr)) assert.ok(withDefaults.has(n), `${p.title}: unknown metric ${n}`);
      }
    }
  });
});
