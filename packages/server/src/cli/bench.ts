/**
 * `herald bench`: the load generator in `bench/` (Herald and three baselines side by side).
 * Prints progress to stderr, the tables to stdout, and writes the full JSON report.
 */
import { existsSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { UsageError } from "./args.js";

/** What `bench/run.ts` exports (typed here so the server package does not compile the harness). */
interface Harness {
  allScenarios(): { name: string; description: string }[];
  runBench(options: Record<string, unknown>): Promise<{ table: string }>;
}

const KINDS = ["herald", "herald-durable", "ws-raw", "ws-cork", "socketio"] as const;
type Kind = (typeof KINDS)[number];

export interface BenchCliOptions {
  scenarios: string[];
  servers?: string[] | undefined;
  runs?: string | undefined;
  stepMs?: string | undefined;
  drainMs?: string | undefined;
  payload?: string | undefined;
  pin: boolean;
  json?: string | undefined;
  cpuProf?: string | undefined;
  target?: string | undefined;
  targetPid?: string | undefined;
}

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, got "${text}"`);
  return n;
}

type OwnBench = (options: { runs: number; progress: (line: string) => void }) => Promise<string>;

/** Benches with a harness of their own (bench/<file>, exporting `run`), by name. */
const OWN_HARNESS: Record<string, { file: string; run: string; runs: number; description: string }> = {
  alerts: {
    file: "alerts.ts",
    run: "runAlertsBench",
    runs: 5,
    description: "10,000 alert rules over 10,000 events/s, in process (bench/alerts.ts)",
  },
  hooks: {
    file: "hooks.ts",
    run: "runHooksBench",
    runs: 5,
    description: "subscribes/s without a subscribe hook, with a cached one, with an uncached one (bench/hooks.ts)",
  },
  compression: {
    file: "compression.ts",
    run: "runCompressionBench",
    runs: 3,
    description: "server CPU and bytes per delivery with permessage-deflate off and on (bench/compression.ts)",
  },
};

export async function bench(options: BenchCliOptions): Promise<number> {
  // The harness lives at the repository root (it ships baselines that are not part of the
  // server package), as TypeScript: it runs from a source checkout, loaded through tsx.
  const harness = fileURLToPath(new URL("../../../../bench/run.ts", import.meta.url));
  if (!existsSync(harness))
    throw new UsageError("herald bench runs from a Herald source checkout (bench/ is not shipped)");
  const { tsImport } = await import("tsx/esm/api");
  const { runBench, allScenarios } = (await tsImport(harness, import.meta.url)) as Harness;
  const scenarios = options.scenarios.length > 0 ? options.scenarios : ["list"];
  if (scenarios[0] === "list") {
    for (const s of allScenarios()) process.stdout.write(`${s.name.padEnd(20)} ${s.description}\n`);
    for (const [name, b] of Object.entries(OWN_HARNESS)) process.stdout.write(`${name.padEnd(20)} ${b.description}\n`);
    return 0;
  }
  const own = OWN_HARNESS[scenarios[0] as string];
  if (own !== undefined) {
    // These run their own setups (in process, or their own servers and clients): one module each.
    const file = fileURLToPath(new URL(`../../../../bench/${own.file}`, import.meta.url));
    const run = ((await tsImport(file, import.meta.url)) as Record<string, OwnBench>)[own.run] as OwnBench;
    const table = await run({
      runs: positive("runs", options.runs) ?? own.runs,
      progress: (line: string) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(table);
    return 0;
  }
  const servers = options.servers?.flatMap((s) => s.split(",")) as Kind[] | undefined;
  for (const s of servers ?? []) {
    if (!KINDS.includes(s)) throw new UsageError(`--server must be one of ${KINDS.join(", ")}, got "${s}"`);
  }
  const report = await runBench({
    scenarios,
    ...(servers ? { servers } : {}),
    ...(options.runs ? { runs: positive("runs", options.runs) as number } : {}),
    ...(options.stepMs ? { stepMs: positive("step-ms", options.stepMs) as number } : {}),
    ...(options.drainMs ? { drainMs: positive("drain-ms", options.drainMs) as number } : {}),
    ...(options.payload ? { payloadBytes: positive("payload", options.payload) as number } : {}),
    ...(options.cpuProf ? { cpuProf: options.cpuProf } : {}),
    ...(options.target ? { target: options.target } : {}),
    ...(options.targetPid ? { targetPid: positive("target-pid", options.targetPid) as number } : {}),
    pin: options.pin,
    progress: (line: string) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${report.table}\n`);
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(`report written to ${options.json}\n`);
  }
  return 0;
}
