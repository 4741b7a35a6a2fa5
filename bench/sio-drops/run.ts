/**
 * The Socket.IO repeated-drop bench: N unmodified socket.io-clients, each cut by the server
 * every ~`cut-ms` for `seconds` while `rate` events/s are published (half to a room all clients
 * joined, half notifications to one user each). Herald (its Socket.IO connection state recovery
 * on its stream log) side by side with a plain Socket.IO 4.8 server with its own
 * `connectionStateRecovery`. Counts every event expected, delivered, lost, duplicated, and the
 * reconnects that recovered. Servers pinned to core 0, clients to core 1 (when `taskset` exists).
 *
 *   npx tsx bench/sio-drops/run.ts --clients 1000 --seconds 60 --rate 20 --cut-ms 2000 \
 *     [--server herald,socketio] [--workers 2] [--transports websocket] [--runs 1] [--json FILE]
 *     [--cpu-prof DIR]   (a V8 CPU profile of each server process)
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { mintToken } from "../../packages/server/src/auth/jwt.js";
import { type ClientTally, SECRET, type ServerMessage, type WorkerMessage } from "./messages.js";

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "1000" },
    seconds: { type: "string", default: "60" },
    rate: { type: "string", default: "20" },
    "cut-ms": { type: "string", default: "2000" },
    server: { type: "string", default: "herald,socketio" },
    workers: { type: "string", default: "2" },
    transports: { type: "string" },
    runs: { type: "string", default: "1" },
    json: { type: "string" },
    "cpu-prof": { type: "string" },
  },
});
const N = Number(values.clients);
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const cutMs = Number(values["cut-ms"]);
const workers = Math.max(1, Math.min(N, Number(values.workers)));
const transports = values.transports?.split(",");
const servers = (values.server as string).split(",");

const TSX = import.meta.resolve("tsx");
const taskset = spawnSync("sh", ["-c", "command -v taskset"], { stdio: "ignore" }).status === 0;

function launch(file: string, args: string[], core: number, prof?: string): ChildProcess {
  const profile = prof === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${prof}`];
  const node = [process.execPath, ...profile, "--import", TSX, fileURLToPath(new URL(file, import.meta.url)), ...args];
  const cmd = taskset ? ["taskset", "-c", String(core), ...node] : node;
  return spawn(cmd[0] as string, cmd.slice(1), { stdio: ["ignore", "inherit", "inherit", "ipc"] });
}

function next<T extends { type: string }>(child: ChildProcess, type: string, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${type}" from ${child.pid} within ${ms} ms`)), ms);
    const on = (m: T) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off("message", on);
      resolve(m);
    };
    child.on("message", on);
  });
}

interface Result extends ClientTally {
  server: string;
  published: number;
  cuts: number;
  serverCpuMs: number;
}

async function runOnce(kind: string): Promise<Result> {
  const server = launch("./server.ts", [kind], 0, values["cpu-prof"]);
  const procs: ChildProcess[] = [server];
  try {
    const { port } = await next<Extract<ServerMessage, { type: "listening" }>>(server, "listening", 60_000);
    const users = Array.from({ length: N }, (_, i) => `u${i}`);
    const clients = await Promise.all(users.map(async (user) => ({ user, token: await mintToken(SECRET, user) })));
    const pool = Array.from({ length: workers }, () => launch("./clients.ts", [], 1));
    procs.push(...pool);
    await Promise.all(
      pool.map((w, i) => {
        const ready = next<WorkerMessage>(w, "ready", 300_000);
        const mine = clients.filter((_, k) => k % workers === i);
        w.send({ cmd: "connect", url: `http://127.0.0.1:${port}`, clients: mine, transports });
        return ready;
      }),
    );
    process.stderr.write(`${kind}: ${N} clients connected; publishing ${rate}/s for ${seconds} s\n`);
    const done = next<Extract<ServerMessage, { type: "done" }>>(server, "done", (seconds + 120) * 1000);
    server.send({ cmd: "run", users, rate, cutMs, seconds });
    const { published, cpuUs, cuts } = await done;
    const tallies = await Promise.all(
      pool.map((w) => {
        const t = next<Extract<WorkerMessage, { type: "tally" }>>(w, "tally", 180_000);
        w.send({ cmd: "drain", published, timeoutMs: 120_000 });
        return t;
      }),
    );
    const sum: Result = {
      server: kind,
      published: published.room + Object.values(published.users).reduce((a, b) => a + b, 0),
      cuts,
      serverCpuMs: Math.round(cpuUs / 1000),
      clients: 0,
      expected: 0,
      delivered: 0,
      lost: 0,
      missing: 0,
      behind: 0,
      duplicated: 0,
      reconnects: 0,
      recovered: 0,
      disconnected: 0,
      refusals: {},
    };
    for (const { tally } of tallies) {
      for (const k of [
        "clients",
        "expected",
        "delivered",
        "lost",
        "missing",
        "behind",
        "duplicated",
        "reconnects",
        "recovered",
        "disconnected",
      ] as const) {
        sum[k] += tally[k];
      }
      for (const [reason, n] of Object.entries(tally.refusals)) sum.refusals[reason] = (sum.refusals[reason] ?? 0) + n;
    }
    return sum;
  } finally {
    for (const p of procs) p.kill();
  }
}

const results: Result[] = [];
for (let r = 0; r < Number(values.runs); r++) {
  for (const kind of servers) results.push(await runOnce(kind));
}
const pct = (a: number, b: number) => (b === 0 ? "-" : `${((100 * a) / b).toFixed(2)} %`);
console.log(
  `\n${N} clients, cut every ~${cutMs} ms for ${seconds} s, ${rate} events/s${transports ? `, transports ${transports}` : ", default transports"}\n`,
);
console.log(
  "| server | published | expected | delivered | lost (gaps) | missing at deadline (clients behind) | duplicated | reconnects | recovered | server CPU |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const r of results) {
  console.log(
    `| ${r.server} | ${r.published} | ${r.expected} | ${r.delivered} (${pct(r.delivered, r.expected)}) | ${r.lost} | ${r.missing} (${r.behind}) | ${r.duplicated} | ${r.reconnects} | ${r.recovered} (${pct(r.recovered, r.reconnects)}) | ${r.serverCpuMs} ms |`,
  );
}
for (const r of results) {
  const refused = Object.entries(r.refusals).map(([k, v]) => `${k} ${v}`);
  console.log(
    `${r.server}: ${r.cuts} cuts, ${r.disconnected} clients disconnected at the deadline${refused.length > 0 ? `, resumes refused: ${refused.join(", ")}` : ""}`,
  );
}
if (values.json) writeFileSync(values.json, JSON.stringify({ N, seconds, rate, cutMs, transports, results }, null, 2));
process.exit(0);
