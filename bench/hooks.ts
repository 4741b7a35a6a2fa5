/**
 * The cost of a subscribe hook: subscribes per second from WebSocket clients against the same
 * gateway setup without a hook, with a hook whose decisions are cached (`cacheSeconds: 60`, the
 * cache warmed by a first pass), and with an uncached hook (every subscribe asks the backend, a
 * local HTTP server answering at once). Each client keeps 10 subscribes in flight (200 at once
 * from 20 clients). Interleaved runs, medians. Results: bench/RESULTS.md.
 *
 *   npx tsx bench/hooks.ts [--runs 5] [--clients 20] [--topics 200]
 *   herald bench hooks [--runs 5]
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { WebSocket } from "ws";
import type { HeraldConfigInput } from "../packages/server/src/config.js";
import { createGateway } from "../packages/server/src/gateway.js";

export interface HooksBenchOptions {
  runs?: number;
  clients?: number;
  topics?: number;
  progress?: (line: string) => void;
}

async function backend(): Promise<{ url: string; server: Server; calls: () => number }> {
  let calls = 0;
  const server = createServer((req, res) => {
    calls++;
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end('{"result":{}}'));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/subscribe`, server, calls: () => calls };
}

/** Each client subscribes to `topics` topics, `window` requests in flight per client; returns subscribes/s. */
async function pass(wsUrl: string, clients: number, topics: number, tag: string, window = 10): Promise<number> {
  const sockets = await Promise.all(
    Array.from({ length: clients }, () => {
      const ws = new WebSocket(wsUrl);
      return new Promise<WebSocket>((resolve, reject) => {
        ws.once("open", () => resolve(ws));
        ws.once("error", reject);
      });
    }),
  );
  const start = performance.now();
  await Promise.all(
    sockets.map(
      (ws, c) =>
        new Promise<void>((resolve, reject) => {
          let sent = 0;
          let acked = 0;
          const send = () => {
            ws.send(JSON.stringify({ type: "subscribe", id: String(sent), topic: `bench.${tag}.${c}.${sent}` }));
            sent++;
          };
          ws.on("message", (raw) => {
            const f = JSON.parse(String(raw)) as { type: string; id?: string; code?: string; error?: string };
            if (f.type === "error" && f.id !== undefined) reject(new Error(`subscribe refused: ${f.code} ${f.error}`));
            if (f.type !== "ack") return;
            if (++acked === topics) resolve();
            else if (sent < topics) send();
          });
          for (let i = 0; i < Math.min(window, topics); i++) send();
        }),
    ),
  );
  const seconds = (performance.now() - start) / 1000;
  for (const ws of sockets) ws.close();
  return (clients * topics) / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function runHooksBench(options: HooksBenchOptions = {}): Promise<string> {
  const runs = options.runs ?? 5;
  const clients = options.clients ?? 20;
  const topics = options.topics ?? 200;
  const log = options.progress ?? (() => {});
  const b = await backend();
  const base: HeraldConfigInput = {
    log: { level: "silent" },
    limits: { maxSubscriptionsPerConnection: topics + 10, inboundFramesPerSecond: 0, connectionsPerIpPerSecond: 0 },
  };
  const generous = { maxInFlight: 10_000, timeoutMs: 30_000 };
  const setups: Array<{ name: string; config: HeraldConfigInput; warm: boolean }> = [
    { name: "no hook", config: base, warm: false },
    // Up to 200 subscribes wait on the backend at once: the bound and the timeout are raised so
    // none is refused (the defaults, 100 in flight and 1 s, turn such a burst away by design).
    {
      name: "hook, cached (60 s)",
      config: { ...base, hooks: { subscribe: { url: b.url, cacheSeconds: 60, ...generous } } },
      warm: true,
    },
    { name: "hook, not cached", config: { ...base, hooks: { subscribe: { url: b.url, ...generous } } }, warm: false },
  ];
  const rates = new Map<string, number[]>(setups.map((s) => [s.name, []]));
  for (let run = 0; run < runs; run++) {
    for (const s of setups) {
      const g = createGateway({ config: s.config, defaultMetrics: false });
      const { port } = await g.listen({ port: 0, host: "127.0.0.1" });
      const url = `ws://127.0.0.1:${port}/ws`;
      // A first pass warms every setup up (JIT, connections); for the cached hook it is the same
      // user (anonymous) and the same topics, so the measured pass meets a warm cache.
      await pass(url, clients, topics, s.warm ? "t" : "w");
      const rate = await pass(url, clients, topics, "t");
      rates.get(s.name)?.push(rate);
      log(`[hooks] run ${run + 1} ${s.name}: ${Math.round(rate)} subscribes/s`);
      await g.close();
    }
  }
  await new Promise((r) => b.server.close(r));
  const baseline = median(rates.get("no hook") as number[]);
  let table = `### subscribe hook: ${clients} clients × ${topics} subscribes, median of ${runs} runs\n\n`;
  table += "| setup | subscribes/s (median) | vs no hook |\n|---|---|---|\n";
  for (const s of setups) {
    const m = median(rates.get(s.name) as number[]);
    table += `| ${s.name} | ${Math.round(m)} | ${(m / baseline).toFixed(2)}× |\n`;
  }
  return `${table}\nbackend calls in all: ${b.calls()}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: { runs: { type: "string" }, clients: { type: "string" }, topics: { type: "string" } },
  });
  const table = await runHooksBench({
    ...(values.runs && { runs: Number(values.runs) }),
    ...(values.clients && { clients: Number(values.clients) }),
    ...(values.topics && { topics: Number(values.topics) }),
    progress: (l) => process.stderr.write(`${l}\n`),
  });
  process.stdout.write(table);
}
