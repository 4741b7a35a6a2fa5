/**
 * Turns runs into the report: medians over the repeated runs of each (scenario, server),
 * Herald's ratios against each baseline measured in the same invocation, and text tables.
 */
import type { ServerKind } from "./messages.js";
import type { RunResult, StepResult } from "./runner.js";

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export interface StepSummary {
  target: number;
  runs: number;
  /** Runs that kept up at this rate. */
  keptUp: number;
  /** Of the runs that did not, how many ran out of server CPU and how many of generator. */
  serverBound: number;
  generatorBound: number;
  offered: number;
  deliveredPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  cpuPerDeliveryUs: number;
  serverCpu: number;
  /** Worst run's figures: correctness is not a median. */
  lost: number;
  queued: number;
  duplicated: number;
  reordered: number;
  backlog: number;
  closed: number;
}

export interface ServerSummary {
  server: ServerKind;
  runs: number;
  connections: number;
  connectPerSec: number;
  rssPerConnKB: number;
  heapPerConnKB: number;
  knee: number;
  kneeDelivered: number;
  steps: StepSummary[];
}

export interface Ratio {
  baseline: ServerKind;
  /** Herald's knee deliveries/s ÷ the baseline's. */
  knee: number | null;
  /** Herald's CPU per delivery ÷ the baseline's, at the highest rate both kept up with. */
  cpuPerDelivery: number | null;
  cpuAtRate: number | null;
  /** Herald's idle memory per connection minus the baseline's, KB. */
  rssPerConnDeltaKB: number | null;
  /** Herald's p99 ÷ the baseline's, by target rate both ran. */
  p99: Record<string, number>;
}

export interface ScenarioSummary {
  scenario: string;
  description: string;
  servers: ServerSummary[];
  ratios: Ratio[];
}

function summariseSteps(runs: RunResult[]): StepSummary[] {
  const targets = [...new Set(runs.flatMap((r) => r.steps.map((s) => s.target)))].sort((a, b) => a - b);
  return targets.map((target) => {
    const steps = runs.flatMap((r) => r.steps.filter((s) => s.target === target));
    const med = (f: (s: StepResult) => number) => median(steps.map(f));
    const worst = (f: (s: StepResult) => number) => Math.max(...steps.map(f));
    return {
      target,
      runs: steps.length,
      keptUp: steps.filter((s) => s.keptUp).length,
      serverBound: steps.filter((s) => s.limit === "server").length,
      generatorBound: steps.filter((s) => s.limit === "generator").length,
      offered: med((s) => s.offered),
      deliveredPerSec: med((s) => s.deliveredPerSec),
      p50: med((s) => s.latencyMs.p50),
      p90: med((s) => s.latencyMs.p90),
      p99: med((s) => s.latencyMs.p99),
      max: med((s) => s.latencyMs.max),
      cpuPerDeliveryUs: med((s) => s.cpuPerDeliveryUs),
      serverCpu: med((s) => s.serverCpu),
      lost: worst((s) => s.lost),
      queued: worst((s) => s.queued),
      duplicated: worst((s) => s.duplicated),
      reordered: worst((s) => s.reordered),
      backlog: worst((s) => s.backlog),
      closed: worst((s) => s.closed),
    };
  });
}

export function summarise(runs: RunResult[], descriptions: Map<string, string>): ScenarioSummary[] {
  const scenarios = [...new Set(runs.map((r) => r.scenario))];
  return scenarios.map((scenario) => {
    const mine = runs.filter((r) => r.scenario === scenario);
    const kinds = [...new Set(mine.map((r) => r.server))];
    const servers: ServerSummary[] = kinds.map((server) => {
      const rs = mine.filter((r) => r.server === server);
      return {
        server,
        runs: rs.length,
        connections: median(rs.map((r) => r.connections)),
        connectPerSec: median(rs.map((r) => r.connectPerSec)),
        rssPerConnKB: median(rs.map((r) => r.rssPerConn)) / 1024,
        heapPerConnKB: median(rs.map((r) => r.heapPerConn)) / 1024,
        knee: median(rs.map((r) => r.knee)),
        kneeDelivered: median(rs.map((r) => r.kneeDelivered)),
        steps: summariseSteps(rs),
      };
    });
    const herald = servers.find((s) => s.server === "herald");
    const ratios: Ratio[] = [];
    if (herald !== undefined) {
      for (const base of servers) {
        if (base.server === "herald") continue; // herald-durable is compared as a baseline too
        ratios.push(ratio(herald, base));
      }
    }
    return { scenario, description: descriptions.get(scenario) ?? "", servers, ratios };
  });
}

function ratio(herald: ServerSummary, base: ServerSummary): Ratio {
  const r: Ratio = {
    baseline: base.server,
    knee: base.kneeDelivered > 0 && herald.kneeDelivered > 0 ? herald.kneeDelivered / base.kneeDelivered : null,
    cpuPerDelivery: null,
    cpuAtRate: null,
    rssPerConnDeltaKB: herald.connections > 0 && base.connections > 0 ? herald.rssPerConnKB - base.rssPerConnKB : null,
    p99: {},
  };
  for (const hs of [...herald.steps].reverse()) {
    const bs = base.steps.find((s) => s.target === hs.target);
    if (bs === undefined) continue;
    r.p99[String(hs.target)] = hs.p99 / bs.p99;
    if (r.cpuAtRate === null && hs.keptUp * 2 >= hs.runs && bs.keptUp * 2 >= bs.runs) {
      r.cpuAtRate = hs.target;
      r.cpuPerDelivery = hs.cpuPerDeliveryUs / bs.cpuPerDeliveryUs;
    }
  }
  return r;
}

const k = (n: number) => (Number.isFinite(n) ? `${Math.round(n / 1000)}k` : "–");
const f = (n: number | null, digits = 2) => (n === null || !Number.isFinite(n) ? "–" : n.toFixed(digits));

/** Markdown tables: per-server figures, steps, and Herald's ratios. */
export function table(summaries: ScenarioSummary[]): string {
  const out: string[] = [];
  for (const s of summaries) {
    out.push(`### ${s.scenario}: ${s.description}`, "");
    out.push(
      "| server | runs | conns | connect/s | RSS/conn KB | heap/conn KB | knee (target/s) | delivered/s at knee |",
    );
    out.push("|---|---|---|---|---|---|---|---|");
    for (const v of s.servers) {
      out.push(
        `| ${v.server} | ${v.runs} | ${v.connections} | ${Math.round(v.connectPerSec)} | ${f(v.rssPerConnKB, 1)} | ${f(v.heapPerConnKB, 1)} | ${k(v.knee)} | ${k(v.kneeDelivered)} |`,
      );
    }
    const withSteps = s.servers.filter((v) => v.steps.length > 0);
    if (withSteps.length > 0) {
      out.push("");
      out.push(
        "| server | target/s | offered/s | delivered/s | p50 ms | p90 ms | p99 ms | max ms | CPU µs/delivery | server CPU | lost | dup | reord | backlog | queued | closed | kept up | behind: server/generator-bound |",
      );
      out.push("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
      for (const v of withSteps) {
        for (const st of v.steps) {
          out.push(
            `| ${v.server} | ${k(st.target)} | ${k(st.offered)} | ${k(st.deliveredPerSec)} | ${f(st.p50, 1)} | ${f(st.p90, 1)} | ${f(st.p99, 1)} | ${f(st.max, 0)} | ${f(st.cpuPerDeliveryUs)} | ${Math.round(st.serverCpu * 100)}% | ${st.lost} | ${st.duplicated} | ${st.reordered} | ${st.backlog} | ${st.queued} | ${st.closed} | ${st.keptUp}/${st.runs} | ${st.serverBound}/${st.generatorBound} |`,
          );
        }
      }
    }
    if (s.ratios.length > 0) {
      out.push("");
      out.push("| Herald vs | knee ratio | CPU/delivery ratio (at rate) | RSS/conn Δ KB | p99 ratio by rate |");
      out.push("|---|---|---|---|---|");
      for (const r of s.ratios) {
        const p99 = Object.entries(r.p99)
          .map(([t, v]) => `${k(Number(t))}: ${f(v)}`)
          .join(", ");
        out.push(
          `| ${r.baseline} | ${f(r.knee)} | ${f(r.cpuPerDelivery)}${r.cpuAtRate === null ? "" : ` (${k(r.cpuAtRate)})`} | ${f(r.rssPerConnDeltaKB, 1)} | ${p99 || "–"} |`,
        );
      }
    }
    out.push("");
  }
  return out.join("\n");
}
