/**
 * The cost and saving of permessage-deflate (`server.compression`): the same gateway process
 * (bench/harness/herald-server.ts, pinned to core 0 where taskset exists) with compression off
 * and on, `clients` WebSocket clients (the `ws` library, offering permessage-deflate as browsers
 * do) on one topic, a publisher sending `events` events at `rate`/s. Two payloads: an ASTRA-like
 * aggregate snapshot (about 3 KB of per-platform, per-politician figures: compressed) and a
 * `post_update` (about 300 bytes: under the 1 KB threshold, sent as is). Per setup: server CPU
 * µs per delivery (the server's own `process.cpuUsage`) and bytes on the wire per delivery (what
 * the clients' sockets read). Interleaved runs, medians. Results: bench/RESULTS.md.
 *
 *   npx tsx bench/compression.ts [--runs 3] [--clients 200] [--events 300] [--rate 100]
 *   herald bench compression [--runs 3]
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { WebSocket } from "ws";
import { ServerProcess } from "./harness/procs.js";

export interface CompressionBenchOptions {
  runs?: number;
  clients?: number;
  events?: number;
  rate?: number;
  /** Write a CPU profile of each server process to this directory (`--cpu-prof`). */
  cpuProf?: string;
  progress?: (line: string) => void;
}

const PLATFORMS = ["facebook", "twitter", "reddit", "news"];
/** An aggregate window as the sentiment dashboard receives it (plan 001): figures per platform and politician. */
function aggregate(i: number): unknown {
  return {
    window: { start: 1_764_900_000_000 + i * 60_000, size: "1m" },
    groups: Array.from({ length: 24 }, (_, k) => ({
      platform: PLATFORMS[k % 4],
      politician_id: `pol-${(k * 7) % 12}`,
      count: 100 + ((i * 31 + k * 17) % 900),
      sentiment: {
        avg: Number((((i + k) % 200) / 100 - 1).toFixed(3)),
        positive: 40 + (k % 9),
        negative: 20 + (i % 7),
      },
      engagement: 1000 + ((i * k) % 5000),
    })),
  };
}
function post(i: number): unknown {
  return {
    id: `post-${i}`,
    platform: PLATFORMS[i % 2],
    kind: "post",
    author: `user${i % 97}`,
    text: "Minister announces a new budget for public transport in the northern regions; opposition reacts.",
    engagement: 100 + (i % 50),
    sentiment: { score: 0.42, label: "positive" },
  };
}

interface Sample {
  cpuUs: number;
  bytes: number;
  deliveries: number;
}

async function connect(url: string): Promise<{ ws: WebSocket; read: () => number; count: () => number }> {
  const ws = new WebSocket(url, { perMessageDeflate: true });
  let events = 0;
  ws.on("message", (raw) => {
    if (String(raw).startsWith('{"type":"event"')) events++;
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  const socket = (ws as unknown as { _socket: { bytesRead: number } })._socket;
  return { ws, read: () => socket.bytesRead, count: () => events };
}

async function once(
  kind: "herald" | "herald-deflate",
  make: (i: number) => unknown,
  o: Required<Omit<CompressionBenchOptions, "progress" | "runs" | "cpuProf">>,
  cpuProf: string | undefined,
): Promise<Sample> {
  const server = await ServerProcess.start(kind, 0, cpuProf);
  try {
    const clients = await Promise.all(Array.from({ length: o.clients }, () => connect(server.url)));
    for (const c of clients) c.ws.send('{"type":"subscribe","id":"s","topic":"bench.agg"}');
    const publisher = await connect(server.url);
    await new Promise((r) => setTimeout(r, 500));
    const bytes0 = clients.reduce((n, c) => n + c.read(), 0);
    const s0 = await server.stats(false);
    const payloads = Array.from({ length: o.events }, (_, i) =>
      JSON.stringify({ type: "publish", topic: "bench.agg", data: make(i) }),
    );
    const gap = 1000 / o.rate;
    const start = performance.now();
    for (let i = 0; i < o.events; i++) {
      publisher.ws.send(payloads[i] as string);
      const due = start + (i + 1) * gap - performance.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
    }
    const expected = o.clients * o.events;
    const deadline = Date.now() + 30_000;
    while (clients.reduce((n, c) => n + c.count(), 0) < expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const s1 = await server.stats(false);
    const deliveries = clients.reduce((n, c) => n + c.count(), 0);
    const bytes = clients.reduce((n, c) => n + c.read(), 0) - bytes0;
    for (const c of [...clients, publisher]) c.ws.terminate();
    const cpuUs = s1.cpuUserUs + s1.cpuSystemUs - (s0.cpuUserUs + s0.cpuSystemUs);
    return { cpuUs, bytes, deliveries };
  } finally {
    await server.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function runCompressionBench(options: CompressionBenchOptions = {}): Promise<string> {
  const runs = options.runs ?? 3;
  const o = { clients: options.clients ?? 200, events: options.events ?? 300, rate: options.rate ?? 100 };
  const log = options.progress ?? (() => {});
  const payloads = { "aggregate (~3 KB)": aggregate, "post_update (~300 B)": post };
  const kinds = ["herald", "herald-deflate"] as const;
  const results = new Map<string, { cpu: number[]; bytes: number[]; lost: number }>();
  for (let run = 0; run < runs; run++) {
    for (const [name, make] of Object.entries(payloads)) {
      // The order alternates per run: the second server of a pair is not always the same one.
      for (const kind of run % 2 === 0 ? kinds : [...kinds].reverse()) {
        const s = await once(kind, make, o, options.cpuProf);
        const key = `${name}|${kind}`;
        const r = results.get(key) ?? { cpu: [], bytes: [], lost: 0 };
        r.cpu.push(s.cpuUs / Math.max(1, s.deliveries));
        r.bytes.push(s.bytes / Math.max(1, s.deliveries));
        r.lost += o.clients * o.events - s.deliveries;
        results.set(key, r);
        log(
          `[compression] run ${run + 1} ${name} ${kind}: ${(s.cpuUs / s.deliveries).toFixed(2)} µs/delivery, ${(s.bytes / s.deliveries).toFixed(0)} B/delivery, ${s.deliveries} deliveries`,
        );
      }
    }
  }
  let table = `### permessage-deflate: ${o.clients} clients, ${o.events} events at ${o.rate}/s, median of ${runs} runs\n\n`;
  table += "| payload | compression | server CPU µs/delivery | vs off | bytes/delivery | vs off | not delivered |\n";
  table += "|---|---|---|---|---|---|---|\n";
  for (const name of Object.keys(payloads)) {
    const off = results.get(`${name}|herald`) as { cpu: number[]; bytes: number[]; lost: number };
    for (const kind of kinds) {
      const r = results.get(`${name}|${kind}`) as { cpu: number[]; bytes: number[]; lost: number };
      const cpu = median(r.cpu);
      const bytes = median(r.bytes);
      table += `| ${name} | ${kind === "herald" ? "off" : "on"} | ${cpu.toFixed(2)} | ${(cpu / median(off.cpu)).toFixed(2)}× | ${bytes.toFixed(0)} | ${(bytes / median(off.bytes)).toFixed(2)}× | ${r.lost} |\n`;
    }
  }
  return table;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: {
      runs: { type: "string" },
      clients: { type: "string" },
      events: { type: "string" },
      rate: { type: "string" },
      "cpu-prof": { type: "string" },
    },
  });
  const table = await runCompressionBench({
    ...(values.runs && { runs: Number(values.runs) }),
    ...(values.clients && { clients: Number(values.clients) }),
    ...(values.events && { events: Number(values.events) }),
    ...(values.rate && { rate: Number(values.rate) }),
    ...(values["cpu-prof"] && { cpuProf: values["cpu-prof"] }),
    progress: (l) => process.stderr.write(`${l}\n`),
  });
  process.stdout.write(table);
}
