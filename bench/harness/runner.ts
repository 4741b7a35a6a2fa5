/**
 * Runs one scenario against one server: starts the server process (pinned), spreads the
 * connections over client workers and loopback source addresses, measures connect rate and
 * memory per idle connection, then runs each rate step and accounts every event.
 */
import * as hdr from "hdr-histogram-js";
import { nowMs, type ServerKind, type WorkerCounts, type WorkerReport, type WorkerSetup } from "./messages.js";
import { ExternalServer, type Pinning, type ServerHandle, ServerProcess, WorkerProcess } from "./procs.js";
import { Publisher } from "./publisher.js";
import { fanOut, type Scenario } from "./scenario.js";

export interface RunOptions {
  pinning: Pinning;
  /** Publishing time of each rate step, ms. */
  stepMs: number;
  /** Longest wait for stragglers after a step, ms. */
  drainMs: number;
  /** Payload size of each event's `data`, bytes. */
  payloadBytes: number;
  /** Client worker processes (0 = one per 2,500 connections, at most 4). */
  workers: number;
  /** A running Herald to measure instead of starting one (its pid gives CPU and RSS). */
  target?: { url: string; pid?: number };
  /** Write a CPU profile of the server process into this directory. */
  cpuProf?: string;
  /** Progress lines go here. */
  progress: (line: string) => void;
}

export interface StepResult {
  /** Target deliveries/s. */
  target: number;
  /** Deliveries/s actually offered (events sent × their subscribers / publishing time). */
  offered: number;
  /** Deliveries/s that arrived within the publishing window (its planned length). */
  deliveredPerSec: number;
  expected: number;
  delivered: number;
  /** Never arrived: gaps, and the unsent tail of connections the server closed. */
  lost: number;
  /** Still not arrived when the drain time ran out, on open connections (behind, not lost). */
  queued: number;
  duplicated: number;
  reordered: number;
  /**
   * Deliveries of events published within the window that had not arrived by its end: queued
   * somewhere (server buffers, the network, the generator's own clients), not lost.
   */
  backlog: number;
  /** Time the stragglers took to arrive after publishing stopped, ms. */
  drainMs: number;
  /** Connections the server closed during the step (slow consumers). */
  closed: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Server CPU time (user + system) per delivery, µs. */
  cpuPerDeliveryUs: number;
  /** Share of one core the server used over the step. */
  serverCpu: number;
  /**
   * Kept up: nothing lost, queued or closed, at least 90% of the target offered, and a backlog
   * of at most 5% of the step's deliveries or two events' fan-out, whichever is larger.
   */
  keptUp: boolean;
  /**
   * When it did not keep up, which side ran out: `server` when the server used at least 80% of
   * its core, `generator` otherwise (the clients or the publisher were starved, not the server).
   */
  limit?: "server" | "generator";
}

export interface RunResult {
  server: ServerKind;
  scenario: string;
  connections: number;
  connectFailed: number;
  firstError?: string;
  /** Connections opened (and subscribed) per second. */
  connectPerSec: number;
  /** Server RSS growth per connection after connecting (GC'd before both readings), bytes. */
  rssPerConn: number;
  /** Server heap growth per connection, bytes. */
  heapPerConn: number;
  steps: StepResult[];
  /** Highest target rate kept up with (0 when none was). */
  knee: number;
  /** Deliveries/s at the knee. */
  kneeDelivered: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sum(list: WorkerCounts[]): WorkerCounts {
  const t: WorkerCounts = { delivered: 0, lost: 0, queued: 0, duplicated: 0, reordered: 0, closed: 0, inWindow: 0 };
  for (const c of list) {
    t.delivered += c.delivered;
    t.lost += c.lost;
    t.queued += c.queued;
    t.duplicated += c.duplicated;
    t.reordered += c.reordered;
    t.closed += c.closed;
    t.inWindow += c.inWindow;
  }
  return t;
}

function localAddresses(connections: number, launch: number): string[] {
  // ~28k ephemeral ports per source address; several addresses, fresh ones per launch.
  const n = Math.max(1, Math.ceil(connections / 10_000));
  const second = 1 + (launch % 250);
  return Array.from({ length: n }, (_, i) => `127.${second}.${Math.floor(i / 250)}.${1 + (i % 250)}`);
}

/** One server under test with its clients and publisher, kept up for the whole scenario. */
interface Rig {
  kind: ServerKind;
  server: ServerHandle;
  workers: WorkerProcess[];
  publisher: Publisher;
  result: RunResult;
  /** No more steps: it fell behind (and the scenario stops at the knee) or could not connect. */
  done: boolean;
  say(line: string): void;
}

let launches = 0;

/** Starts `kind`, connects the scenario's clients to it, and measures connect rate and memory. */
async function setUp(kind: ServerKind, scenario: Scenario, options: RunOptions, rigs: Rig[]): Promise<void> {
  const say = (line: string) => options.progress(`[${scenario.name} ${kind}] ${line}`);
  const server: ServerHandle =
    options.target !== undefined
      ? new ExternalServer(options.target.url, options.target.pid)
      : await ServerProcess.start(kind, options.pinning.server, options.cpuProf);
  const rig: Rig = {
    kind,
    server,
    workers: [],
    publisher: new Publisher(kind, server.url, options.payloadBytes),
    result: {
      server: kind,
      scenario: scenario.name,
      connections: 0,
      connectFailed: 0,
      connectPerSec: 0,
      rssPerConn: 0,
      heapPerConn: 0,
      steps: [],
      knee: 0,
      kneeDelivered: 0,
    },
    done: scenario.rates.length === 0,
    say,
  };
  rigs.push(rig);
  const n = scenario.connections;
  const wcount = options.workers > 0 ? options.workers : Math.min(4, Math.max(1, Math.ceil(n / 2500)));
  rig.workers.push(
    ...(await Promise.all(Array.from({ length: wcount }, () => WorkerProcess.start(options.pinning.clients)))),
  );
  const before = await server.stats(true);
  const addresses = localAddresses(n, launches++);
  const per = Math.ceil(n / wcount);
  const started = performance.now();
  const connected = await Promise.all(
    rig.workers.map((w, i) => {
      const first = i * per;
      const count = Math.max(0, Math.min(per, n - first));
      const setup: WorkerSetup = {
        kind,
        url: server.url,
        first,
        count,
        subscriptions: Array.from({ length: count }, (_, j) => scenario.subscriptions(first + j)),
        localAddresses: addresses,
        concurrency: 100,
      };
      return w.ask<Extract<WorkerReport, { type: "connected" }>>({ cmd: "connect", setup }, "connected", 300_000);
    }),
  );
  const connectMs = performance.now() - started;
  const failed = connected.reduce((a, c) => a + c.failed, 0);
  const firstError = connected.find((c) => c.firstError !== undefined)?.firstError;
  await sleep(500);
  const after = await server.stats(true);
  const ok = n - failed;
  const r = rig.result;
  r.connections = ok;
  r.connectFailed = failed;
  r.connectPerSec = Math.round((ok / connectMs) * 1000);
  r.rssPerConn = ok > 0 ? Math.round((after.rss - before.rss) / ok) : 0;
  r.heapPerConn = ok > 0 ? Math.round((after.heapUsed - before.heapUsed) / ok) : 0;
  if (firstError !== undefined) r.firstError = firstError;
  say(`${ok} connected (${failed} failed) at ${r.connectPerSec}/s, RSS/conn ${(r.rssPerConn / 1024).toFixed(1)} KB`);
  if (failed > 0) rig.done = true;
  if (!rig.done) await rig.publisher.open();
}

async function tearDown(rig: Rig): Promise<void> {
  rig.publisher.close();
  await Promise.all(rig.workers.map((w) => w.close()));
  await rig.server.stop();
}

/**
 * Runs `scenario` on every server in `kinds` at once: each server is started and connected in
 * turn (measured while the others sit idle), then each rate step runs on one server after the
 * other, so neighbouring measurements of different servers see the same machine noise.
 */
export async function runScenario(
  kinds: readonly ServerKind[],
  scenario: Scenario,
  options: RunOptions,
): Promise<RunResult[]> {
  const rigs: Rig[] = [];
  try {
    for (const kind of kinds) await setUp(kind, scenario, options, rigs);
    const fan = fanOut(scenario);
    let perEvent = 0;
    for (const k of scenario.keys) perEvent += fan.get(k) ?? 0;
    perEvent /= Math.max(1, scenario.keys.length);
    for (const target of scenario.rates) {
      for (const rig of rigs) {
        if (rig.done) continue;
        const step = await runStep(rig, scenario, fan, target, target / perEvent, options);
        rig.result.steps.push(step);
        rig.say(
          `${target}/s: offered ${Math.round(step.offered)}/s delivered ${Math.round(step.deliveredPerSec)}/s ` +
            `p50 ${step.latencyMs.p50.toFixed(1)} p99 ${step.latencyMs.p99.toFixed(1)} ms ` +
            `cpu ${step.cpuPerDeliveryUs.toFixed(2)} µs/delivery (${Math.round(step.serverCpu * 100)}%) ` +
            `lost ${step.lost} dup ${step.duplicated} backlog ${step.backlog} queued ${step.queued} closed ${step.closed}${step.keptUp ? "" : ` — behind (${step.limit}-bound)`}`,
        );
        if (step.keptUp) {
          rig.result.knee = target;
          rig.result.kneeDelivered = step.deliveredPerSec;
        } else if (scenario.stopAtKnee !== false) rig.done = true;
      }
    }
    return rigs.map((r) => r.result);
  } finally {
    await Promise.all(rigs.map(tearDown));
  }
}

async function runStep(
  rig: Rig,
  scenario: Scenario,
  fan: Map<number, number>,
  target: number,
  eventsPerSec: number,
  options: RunOptions,
): Promise<StepResult> {
  const { server, workers, publisher } = rig;
  const cpu0 = await server.stats(false);
  const windowEnd = nowMs() + options.stepMs;
  for (const w of workers) w.tell({ cmd: "reset", windowEnd });
  const published = await publisher.run(eventsPerSec, options.stepMs, scenario.keys);
  let expected = 0;
  for (const [k, sent] of published.sent) expected += sent * (fan.get(k) ?? 0);
  let expectedInWindow = 0;
  for (const [k, sent] of published.sentInWindow) expectedInWindow += sent * (fan.get(k) ?? 0);
  const snapshot = async () =>
    sum(
      (
        await Promise.all(
          workers.map((w) => w.ask<Extract<WorkerReport, { type: "snapshot" }>>({ cmd: "snapshot" }, "snapshot")),
        )
      ).map((r) => r.counts),
    );
  const atEnd = await snapshot();
  const drainStart = performance.now();
  let last = atEnd.delivered;
  let lastProgress = drainStart;
  let delivered = atEnd.delivered;
  while (delivered < expected && performance.now() - drainStart < options.drainMs) {
    await sleep(50);
    delivered = (await snapshot()).delivered;
    if (delivered > last) {
      last = delivered;
      lastProgress = performance.now();
    } else if (performance.now() - lastProgress > 2000) break;
  }
  const drainMs = delivered >= expected ? performance.now() - drainStart : lastProgress - drainStart;
  const finals = await Promise.all(
    workers.map((w) =>
      w.ask<Extract<WorkerReport, { type: "final" }>>({ cmd: "final", lastPublished: published.last }, "final"),
    ),
  );
  const cpu1 = await server.stats(false);
  const counts = sum(finals.map((f) => f.counts));
  if (publisher.refused.size > 0) {
    const codes = [...publisher.refused].map(([code, n]) => `${code} ×${n}`).join(", ");
    options.progress(
      `[${scenario.name} ${server.kind}] ${target}/s: publishes refused by the server (counted as lost): ${codes}`,
    );
  }
  const histogram = hdr.build({
    bitBucketSize: 32,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  for (const f of finals) histogram.add(hdr.decodeFromCompressedBase64(f.histogram, 32));
  const cpuUs = cpu1.cpuUserUs + cpu1.cpuSystemUs - (cpu0.cpuUserUs + cpu0.cpuSystemUs);
  // The publisher spreads a step's events over the window; a starved one takes longer.
  const seconds = Math.max(published.ms, options.stepMs) / 1000;
  const windowSeconds = options.stepMs / 1000;
  // Not clamped: a negative backlog would mean the harness counted more than was sent.
  const backlog = expectedInWindow - counts.inWindow;
  const serverCpu = cpuUs / 1000 / (published.ms + drainMs + 1);
  // In flight at the window's end is not behind: allow 5% of the step, or two events' fan-out
  // (with 5k subscribers and a few events per second, one event is already several percent).
  let eventsSent = 0;
  for (const n of published.sent.values()) eventsSent += n;
  const tolerance = Math.max(0.05 * expected, eventsSent > 0 ? (2 * expected) / eventsSent : 0);
  const keptUp =
    counts.lost === 0 &&
    counts.queued === 0 &&
    counts.closed === 0 &&
    backlog <= tolerance &&
    expected / seconds >= 0.9 * target;
  const step: StepResult = {
    target,
    offered: expected / seconds,
    deliveredPerSec: counts.inWindow / windowSeconds,
    expected,
    delivered: counts.delivered,
    lost: counts.lost,
    queued: counts.queued,
    duplicated: counts.duplicated,
    reordered: counts.reordered,
    backlog,
    drainMs: Math.round(drainMs),
    closed: counts.closed,
    latencyMs: {
      p50: histogram.getValueAtPercentile(50) / 1000,
      p90: histogram.getValueAtPercentile(90) / 1000,
      p99: histogram.getValueAtPercentile(99) / 1000,
      max: histogram.maxValue / 1000,
    },
    cpuPerDeliveryUs: counts.delivered > 0 ? cpuUs / counts.delivered : 0,
    serverCpu,
    keptUp,
  };
  if (!keptUp) step.limit = serverCpu >= 0.8 ? "server" : "generator";
  return step;
}
