/**
 * The bench entry point behind `herald bench`: runs the chosen scenarios against Herald and the
 * baselines side by side, repeated and interleaved (run 1 of every server, then run 2 …) so
 * every server sees the same noise, and returns the raw runs plus medians and ratios.
 */
import { arch, cpus, release, totalmem } from "node:os";
import type { ServerKind } from "./harness/messages.js";
import { type Pinning, pinSelf } from "./harness/procs.js";
import { type ScenarioSummary, summarise, table } from "./harness/report.js";
import { type RunOptions, type RunResult, runScenario } from "./harness/runner.js";
import { allScenarios } from "./scenarios.js";

export interface BenchOptions {
  /** Scenario names (see `scenarios.ts`). */
  scenarios: string[];
  /** Servers to compare; each scenario runs on those of them it supports. @default all */
  servers?: ServerKind[];
  /** Repetitions; medians are taken over them. @default 3 */
  runs?: number;
  /** Publishing time per rate step, ms. @default 3000 */
  stepMs?: number;
  /** Longest wait for stragglers after a step, ms. @default 5000 */
  drainMs?: number;
  /** Bytes of each event's `data`. @default 100 */
  payloadBytes?: number;
  /** Pin servers to core 0 and the load generator to core 1 (needs `taskset` and 2 cores). @default true */
  pin?: boolean;
  /** Client worker processes; 0 picks one per 2,500 connections. @default 0 */
  workers?: number;
  /**
   * Measure a Herald that is already running at this ws:// URL (e.g. `ws://host:8080/ws`,
   * with `?token=` if it needs one) instead of starting servers; `targetPid` (same machine)
   * gives its CPU and memory. Baselines are skipped.
   */
  target?: string;
  targetPid?: number;
  /** Directory for server CPU profiles (`--cpu-prof`). */
  cpuProf?: string;
  progress?: (line: string) => void;
}

export interface BenchReport {
  date: string;
  machine: { cpus: number; cpuModel: string; memoryGB: number; node: string; os: string; pinned: boolean };
  options: Omit<BenchOptions, "progress">;
  runs: RunResult[];
  summary: ScenarioSummary[];
  table: string;
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const known = allScenarios();
  const chosen = options.scenarios.map((name) => {
    const s = known.find((x) => x.name === name);
    if (s === undefined) throw new Error(`unknown scenario "${name}" (known: ${known.map((x) => x.name).join(", ")})`);
    return s;
  });
  const servers = options.servers ?? ["herald", "herald-durable", "ws-raw", "ws-cork", "socketio"];
  const runs = options.runs ?? 3;
  const pinned = (options.pin ?? true) && cpus().length >= 2;
  const pinning: Pinning = pinned ? { server: 0, clients: 1 } : { server: undefined, clients: undefined };
  pinSelf(pinning.clients);
  const progress = options.progress ?? (() => {});
  const results: RunResult[] = [];
  for (const scenario of chosen) {
    const kinds =
      options.target !== undefined ? (["herald"] as ServerKind[]) : servers.filter((k) => scenario.servers.includes(k));
    for (let r = 0; r < runs; r++) {
      // Rotate the order each run, so no server always goes first after a quiet spell.
      const order = kinds.map((_, i) => kinds[(i + r) % kinds.length] as ServerKind);
      progress(`[${scenario.name}] run ${r + 1}/${runs}: ${order.join(", ")}`);
      const runOptions: RunOptions = {
        pinning,
        stepMs: options.stepMs ?? 3000,
        drainMs: options.drainMs ?? 5000,
        payloadBytes: options.payloadBytes ?? 100,
        workers: options.workers ?? 0,
        progress,
      };
      if (options.cpuProf !== undefined) runOptions.cpuProf = options.cpuProf;
      if (options.target !== undefined) {
        runOptions.target = { url: options.target };
        if (options.targetPid !== undefined) runOptions.target.pid = options.targetPid;
      }
      results.push(...(await runScenario(order, scenario, runOptions)));
    }
  }
  const summary = summarise(results, new Map(chosen.map((s) => [s.name, s.description])));
  const { progress: _drop, ...recorded } = options;
  return {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      memoryGB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      os: `${release()} ${arch()}`,
      pinned,
    },
    options: recorded,
    runs: results,
    summary,
    table: table(summary),
  };
}

export { allScenarios };
