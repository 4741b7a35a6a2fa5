/**
 * Alert-rule evaluation cost: 10,000 rules over 10,000 events/s on one core, against a baseline
 * measured in the same run (the same hub and events with a no-op subscriber per topic instead of
 * rules). Events go through the real hub dispatch and the real `Alerts` index and evaluators;
 * alerts are "published" to a counter, so only evaluation is measured. Results: bench/RESULTS.md.
 *
 *   taskset -c 0 npx tsx bench/alerts.ts [--runs 5] [--events 200000] [--paced-seconds 3] [--rate 10000]
 *   herald bench alerts [--runs 5]
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { HeraldEvent } from "@herald/protocol";
import { Alerts } from "../packages/server/src/compute/alerts/alerts.js";
import { WebhookSender } from "../packages/server/src/compute/alerts/webhook.js";
import { ALERTS_DEFAULTS } from "../packages/server/src/compute/compute-config.js";
import { MemoryComputeStore } from "../packages/server/src/compute/compute-store-memory.js";
import { type ComputeContext, systemClock } from "../packages/server/src/compute/context.js";
import { eventFrame } from "../packages/server/src/engine/broker.js";
import { Hub, type HubSubscription } from "../packages/server/src/hub/hub.js";
import { createLogger } from "../packages/server/src/log.js";
import { MemoryDeadLetterStore } from "../packages/server/src/pipeline/dead-letter-memory.js";

export interface AlertsBenchOptions {
  /** Runs per setup; medians are reported. @default 5 */
  runs?: number;
  /** Events per flat-out run. @default 200000 */
  events?: number;
  /** Seconds of the paced run. @default 3 */
  pacedSeconds?: number;
  /** Events per second of the paced run. @default 10000 */
  rate?: number;
  progress?: (line: string) => void;
}

let RATE = 10_000;
let PACED_MS = 3000;
const TOPICS = 10_000;

interface Setup {
  name: string;
  hub: Hub;
  fired: () => number;
  /** Topic of the i-th event. */
  topic: (i: number) => string;
}

function context(hub: Hub, counter: { n: number }): ComputeContext {
  return {
    subscribe: (s) => hub.add(s),
    unsubscribe: (s) => hub.remove(s),
    publish: async (r) => {
      counter.n++;
      return {
        event: { ...r, seq: 0, epoch: "", offset: 0, timestamp: 0 } as unknown as HeraldEvent,
        duplicate: false,
      };
    },
    isState: () => false,
    emits: () => true,
    store: new MemoryComputeStore(),
    clock: systemClock,
    log: createLogger("silent"),
  };
}

async function withRules(
  name: string,
  rules: number,
  topicOfRule: (r: number) => string,
  topic: (i: number) => string,
) {
  const hub = new Hub();
  const counter = { n: 0 };
  const ctx = context(hub, counter);
  const log = createLogger("silent");
  const alerts = new Alerts(
    { ...ALERTS_DEFAULTS, maxRules: rules },
    ctx,
    () => "none",
    async () => undefined,
    new WebhookSender(ALERTS_DEFAULTS.webhook, new MemoryDeadLetterStore(), systemClock, log),
  );
  for (let r = 0; r < rules; r++) {
    await alerts.create({
      id: `r${r}`,
      topic: topicOfRule(r),
      field: "value",
      condition: "above",
      threshold: 0.999,
      resolveThreshold: 0.5,
      channel: "alerts",
    });
  }
  return { name, hub, fired: () => counter.n, topic } satisfies Setup;
}

function baseline(): Setup {
  const hub = new Hub();
  let seen = 0;
  for (let t = 0; t < TOPICS; t++) {
    const sub: HubSubscription = { name: `sensor.${t}`, pattern: false, internal: true, offer: () => void seen++ };
    hub.add(sub);
  }
  return {
    name: "baseline: no-op subscriber per topic",
    hub,
    fired: () => seen * 0,
    topic: (i) => `sensor.${i % TOPICS}`,
  };
}

/** Pre-built events (the broker serialises once before dispatch; not measured here). */
function events(setup: Setup, n: number): Array<[HeraldEvent, string]> {
  const out: Array<[HeraldEvent, string]> = [];
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff; // deterministic pseudo-random values and topics
    const e: HeraldEvent = {
      id: `e${i}`,
      topic: setup.topic(x % TOPICS),
      event: "reading",
      data: { value: (x % 100_000) / 100_000 },
      timestamp: Date.now(),
      seq: i + 1,
      epoch: "b",
      offset: i + 1,
    } as HeraldEvent;
    out.push([e, eventFrame(e)]);
  }
  return out;
}

/** Nanoseconds of CPU per event at full speed. */
function flatOut(setup: Setup, evs: Array<[HeraldEvent, string]>): number {
  const start = process.cpuUsage();
  for (const [e, json] of evs) setup.hub.dispatch(e, json);
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / evs.length;
}

/** Share of one core used while dispatching `RATE` events per second for `PACED_MS`. */
async function paced(setup: Setup, evs: Array<[HeraldEvent, string]>): Promise<number> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  let i = 0;
  while (performance.now() - t0 < PACED_MS) {
    const due = Math.floor(((performance.now() - t0) / 1000) * RATE);
    while (i < due) {
      const [e, json] = evs[i % evs.length] as [HeraldEvent, string];
      setup.hub.dispatch(e, json);
      i++;
    }
    await new Promise((r) => setTimeout(r, 10)); // the due events are dispatched every 10 ms
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / (performance.now() - t0);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Runs every setup and returns the Markdown table. */
export async function runAlertsBench(options: AlertsBenchOptions = {}): Promise<string> {
  const RUNS = options.runs ?? 5;
  const EVENTS = options.events ?? 200_000;
  RATE = options.rate ?? 10_000;
  PACED_MS = (options.pacedSeconds ?? 3) * 1000;
  const progress = options.progress ?? (() => {});
  const setups: Setup[] = [
    baseline(),
    await withRules(
      "10,000 rules, one per topic, events on all topics",
      10_000,
      (r) => `sensor.${r}`,
      (i) => `sensor.${i}`,
    ),
    await withRules(
      "10,000 rules on 100 topics (100 per event)",
      10_000,
      (r) => `sensor.${r % 100}`,
      (i) => `sensor.${i % 100}`,
    ),
    await withRules(
      "1 rule, events on its topic",
      1,
      () => "sensor.0",
      () => "sensor.0",
    ),
    await withRules(
      "10,000 rules, events on one rule's topic",
      10_000,
      (r) => `sensor.${r}`,
      () => "sensor.0",
    ),
  ];

  const rows: string[] = [];
  const base = { ns: 0, cpu: 0 };
  for (const s of setups) {
    const evs = events(s, EVENTS);
    flatOut(s, evs.slice(0, 50_000)); // warm up
    const ns: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      ns.push(flatOut(s, evs));
      cpu.push(await paced(s, evs));
    }
    const m = { ns: median(ns), cpu: median(cpu) };
    if (s === setups[0]) Object.assign(base, m);
    const line = `| ${s.name} | ${m.ns.toFixed(0)} ns | ${(m.ns / base.ns).toFixed(2)}× | ${(m.cpu * 100).toFixed(1)} % | ${(1e9 / m.ns / 1000).toFixed(0)}k/s | ${s.fired()} |`;
    rows.push(line);
    progress(line);
  }
  return `| setup | CPU per event (median of ${RUNS}) | vs baseline | one core at ${RATE} events/s | max events/s | alerts |\n|---|---|---|---|---|---|\n${rows.join("\n")}\n`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "5" },
      events: { type: "string", default: "200000" },
      "paced-seconds": { type: "string", default: "3" },
      rate: { type: "string", default: "10000" },
    },
  });
  const table = await runAlertsBench({
    runs: Number(values.runs),
    events: Number(values.events),
    pacedSeconds: Number(values["paced-seconds"]),
    rate: Number(values.rate),
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(table);
}
