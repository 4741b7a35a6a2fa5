/**
 * Cost of the publish path in one process, every figure side by side in one run (rounds
 * interleaved, medians):
 *
 * - `path`: the bare publish path (`core.publish`, memory broker, 1,000 topics, no subscriber)
 *   and fan-out to 1,000 in-process sessions, for each source tree given with `--roots` — run
 *   with the tree before and after a change to compare them in the same run;
 * - `pipeline`: the full ingest pipeline (validate + verify ed25519 + dedup + categorise +
 *   sentiment + route) against the bare path, µs/event and events/s on one core;
 * - `filter`: a subscription filter's cost per delivery at 1,000 subscribers (one shared
 *   filter, and 10 distinct ones) against unfiltered subscribers.
 *
 *   npx tsx bench/pipeline.ts [--events N] [--rounds N] [--roots DIR,DIR]
 *
 * Times are CPU time of the process (not wall time), so other work on a shared machine
 * inflates them less. Sessions write to a transport that drops the bytes: the figures are the server-side cost up
 * to the socket write, which the network bench (`herald bench`) measures separately.
 */
import { generateKeyPairSync, sign } from "node:crypto";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "20000" },
    rounds: { type: "string", default: "5" },
    roots: { type: "string", default: "" },
    only: { type: "string", default: "path,pipeline,filter" },
  },
});
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);
const here = resolve(import.meta.dirname, "..");
const roots = (values.roots === "" ? [here] : values.roots.split(",")).map((r) => resolve(r));
const only = new Set(values.only.split(","));

// biome-ignore lint/suspicious/noExplicitAny: modules of other source trees are loaded by path
type Any = any;
type PublishRequestLike = Record<string, unknown> & { sig?: string };

interface Tree {
  name: string;
  createGateway: Any;
  Session: Any;
}

async function load(root: string): Promise<Tree> {
  const gw = await import(`${root}/packages/server/src/gateway.ts`);
  const session = await import(`${root}/packages/server/src/session.ts`);
  return { name: root === here ? "this tree" : root, createGateway: gw.createGateway, Session: session.Session };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** A transport that drops what it is given (the cost measured stops at the socket write). */
function sink(counter: { n: number }) {
  return {
    kind: "bench",
    buffered: 0,
    send() {},
    answer() {}, // the session's answers (a tree before typed answers sends them with send)
    sendEvent() {
      counter.n++;
    },
    sendBatch() {},
    close() {},
  };
}

async function gatewayOf(tree: Tree, config: Record<string, unknown> = {}) {
  const g = tree.createGateway({
    defaultMetrics: false,
    config: { log: { level: "silent" }, idempotency: { size: 1000, ttlSeconds: 3600 }, ...config },
  });
  await g.core.engine.start(g.core, { disconnectUser: () => 0 });
  return g;
}

/**
 * CPU µs (user + system of this process) per call of `publish(i)` over `n` sequential
 * publishes. CPU time rather than wall time: the machine is shared, and time spent waiting for
 * a core is not a cost of the code measured.
 */
async function timePublishes(n: number, publish: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 500; i++) await publish(-1 - i); // warm-up
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await publish(i);
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / n;
}

async function subscribers(tree: Tree, g: Any, topic: string, count: number, filterOf?: (i: number) => unknown) {
  const counter = { n: 0 };
  for (let i = 0; i < count; i++) {
    const s = new tree.Session(g.core, sink(counter));
    await s.open(undefined);
    const frame: Record<string, unknown> = { type: "subscribe", topic };
    if (filterOf !== undefined) frame.filter = filterOf(i);
    await s.handle(frame);
  }
  return counter;
}

const rows: string[] = [];
const report = (line: string) => {
  rows.push(line);
  console.error(line);
};

/** One tree's publish-heavy and fan-out figures, measured in this process (a child of `pathBench`). */
async function pathChild(root: string): Promise<void> {
  const tree = await load(root);
  const g = await gatewayOf(tree);
  let seq = 0;
  const heavy = await timePublishes(EVENTS, (i) =>
    g.core.publish({ topic: `bench.t${(seq++ % 1000).toString()}`, data: { i, p: "x".repeat(60) } }, { origin: "api" }),
  );
  const counter = await subscribers(tree, g, "bench.fan", 1000);
  const fanEvents = Math.max(200, Math.floor(EVENTS / 5));
  const fan = await timePublishes(fanEvents, (i) =>
    g.core.publish({ topic: "bench.fan", data: { i, p: "x".repeat(60) } }, { origin: "api" }),
  );
  if (counter.n < fanEvents * 1000) throw new Error(`fan-out delivered ${counter.n}`);
  console.log(JSON.stringify({ heavy, fan: fan / 1000 }));
  process.exit(0);
}

/**
 * Each tree in its own child process per round (rounds interleaved): two trees loaded in one
 * process would share its heap and JIT and bias the second one.
 */
async function pathBench(): Promise<void> {
  const { execFileSync } = await import("node:child_process");
  const heavy = new Map<string, number[]>();
  const fan = new Map<string, number[]>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const root of roots) {
      const out = execFileSync(
        process.execPath,
        [
          "--import",
          "tsx",
          `${here}/bench/pipeline.ts`,
          "--only",
          "path-child",
          "--roots",
          root,
          "--events",
          String(EVENTS),
        ],
        { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
      );
      const { heavy: h, fan: f } = JSON.parse(out.trim().split("\n").pop() as string) as { heavy: number; fan: number };
      heavy.set(root, [...(heavy.get(root) ?? []), h]);
      fan.set(root, [...(fan.get(root) ?? []), f]);
    }
  }
  report(`## publish path (medians of ${ROUNDS} interleaved rounds, one process per tree and round, ${EVENTS} events)`);
  report("| tree | publish-heavy µs/event (1,000 topics) | fan-out µs/delivery (1,000 subscribers) |");
  report("|---|---|---|");
  const base = roots[0] as string;
  for (const root of roots) {
    const h = median(heavy.get(root) ?? []);
    const f = median(fan.get(root) ?? []);
    const hb = median(heavy.get(base) ?? []);
    const fb = median(fan.get(base) ?? []);
    const name = root === here ? "this tree" : root;
    report(`| ${name} | ${h.toFixed(2)} (${(h / hb).toFixed(2)}×) | ${f.toFixed(4)} (${(f / fb).toFixed(2)}×) |`);
  }
}

async function pipelineBench(): Promise<void> {
  const tree = await load(here);
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const x = publicKey.export({ format: "jwk" }).x as string;
  const { signedPayload } = await import(`${here}/packages/server/src/pipeline/verify.ts`);
  const pipeline = [
    {
      stage: "validate",
      schemas: {
        content_update: {
          type: "object",
          required: ["hash", "text", "kind"],
          properties: { hash: { type: "string" }, text: { type: "string" }, kind: { type: "string" } },
        },
      },
    },
    { stage: "verify", mode: "require" },
    { stage: "dedup", fields: ["data.hash"] },
    {
      stage: "enrich",
      use: "categorize",
      rules: [
        { category: "politics", keywords: ["election", "senate", "parliament"], tags: ["gov"] },
        { category: "economy", regex: "\\b(inflation|gdp|rates?)\\b" },
        { category: "tech", keywords: ["software", "chip", "ai"] },
      ],
      fallback: "other",
    },
    { stage: "enrich", use: "sentiment" },
    { stage: "route", rules: [{ topic: "news.{category}.{kind}", event: "content_update" }] },
  ];
  const texts = [
    "The senate passed the budget after a long debate about inflation and rates",
    "A great new chip makes software faster, analysts love it",
    "Terrible floods hit the region; the election is postponed",
    "Markets are calm today",
  ];
  const total = EVENTS * ROUNDS + Math.floor(EVENTS / 10) + 500 * (ROUNDS + 2) + 100;
  const signed: Array<Record<string, unknown>> = [];
  for (let i = 0; i < total; i++) {
    const r = {
      topic: "crawler.in",
      event: "content_update",
      data: { hash: `h${i}`, text: texts[i % texts.length], kind: "post" },
      publisher: "crawler-1",
      kid: "k1",
    };
    signed.push({ ...r, sig: sign(null, signedPayload(r), privateKey).toString("base64") });
  }
  const bare = await gatewayOf(tree);
  const full = await gatewayOf(tree, {
    publisherKeys: {
      keys: [
        {
          publisher: "crawler-1",
          kid: "k1",
          alg: "ed25519",
          publicKey: Buffer.from(x, "base64url").toString("base64"),
        },
      ],
    },
    namespaces: [{ prefix: "crawler", pipeline }],
  });
  const bareUs: number[] = [];
  const fullUs: number[] = [];
  let next = 0;
  for (let r = 0; r <= ROUNDS; r++) {
    if (r === 0) {
      // Warm-up round, not recorded.
      await timePublishes(Math.floor(EVENTS / 10), (i) =>
        bare.core.publish({ topic: `news.w${i & 7}`, data: 1 }, { origin: "api" }),
      );
      await timePublishes(Math.floor(EVENTS / 10), () => full.core.publish(signed[next++], { origin: "api" }));
      continue;
    }
    bareUs.push(
      await timePublishes(EVENTS, (i) =>
        bare.core.publish(
          { topic: `news.t${(i & 1023).toString()}`, event: "content_update", data: signed[i]?.data },
          { origin: "api" },
        ),
      ),
    );
    fullUs.push(await timePublishes(EVENTS, () => full.core.publish(signed[next++], { origin: "api" })));
  }
  // The signature check alone, in the same run: the floor of a verifying pipeline's cost.
  const { verify } = await import("node:crypto");
  const sample = signed[0] as PublishRequestLike;
  const message = signedPayload(sample);
  const sigBytes = Buffer.from(sample.sig as string, "base64");
  const verifyUs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < 2000; i++) verify(null, message, publicKey, sigBytes);
    const d = process.cpuUsage(t0);
    verifyUs.push((d.user + d.system) / 2000);
  }
  const b = median(bareUs);
  const f = median(fullUs);
  const v = median(verifyUs);
  report(`## ingest pipeline (medians of ${ROUNDS} rounds, ${EVENTS} events each, one core)`);
  report("| path | µs/event | events/s | × bare |");
  report("|---|---|---|---|");
  report(`| bare publish | ${b.toFixed(2)} | ${Math.round(1e6 / b)} | 1.00 |`);
  report(
    `| validate + verify ed25519 + dedup + categorise + sentiment + route | ${f.toFixed(2)} | ${Math.round(1e6 / f)} | ${(f / b).toFixed(2)} |`,
  );
  report(
    `| (one ed25519 verification alone, node:crypto) | ${v.toFixed(2)} | ${Math.round(1e6 / v)} | ${(v / b).toFixed(2)} |`,
  );
  await bare.core.engine.close();
  await full.core.engine.close();
}

async function filterBench(): Promise<void> {
  const tree = await load(here);
  const variants: Array<[string, ((i: number) => unknown) | undefined]> = [
    ["no filter", undefined],
    ["one shared filter", () => ({ category: { in: ["politics", "economy"] }, "sentiment.score": { lt: 0.5 } })],
    ["10 distinct filters", (i) => ({ category: { in: ["politics", `c${i % 10}`] }, "sentiment.score": { lt: 0.5 } })],
  ];
  const results = new Map<string, number[]>();
  const events = Math.max(200, Math.floor(EVENTS / 5));
  for (let r = 0; r <= ROUNDS; r++) {
    for (const [name, filterOf] of variants) {
      const g = await gatewayOf(tree);
      const counter = await subscribers(tree, g, "bench.filtered", 1000, filterOf);
      const us = await timePublishes(events, (i) =>
        g.core.publish(
          { topic: "bench.filtered", data: { i, category: "politics", sentiment: { score: -0.2 }, p: "x".repeat(40) } },
          { origin: "api" },
        ),
      );
      if (counter.n < events * 1000) throw new Error(`${name}: delivered ${counter.n}, expected every event to match`);
      if (r > 0) results.set(name, [...(results.get(name) ?? []), us / 1000]);
      await g.core.engine.close();
    }
  }
  const base = median(results.get("no filter") ?? []);
  report(`## subscription filter, 1,000 subscribers, every event matching (medians of ${ROUNDS} rounds)`);
  report("| subscribers | µs/delivery (in process) | × unfiltered | extra µs/delivery |");
  report("|---|---|---|---|");
  for (const [name] of variants) {
    const v = median(results.get(name) ?? []);
    report(`| ${name} | ${v.toFixed(3)} | ${(v / base).toFixed(2)} | ${(v - base).toFixed(3)} |`);
  }
}

if (only.has("path-child")) await pathChild(roots[0] as string);
if (only.has("path")) await pathBench();
if (only.has("pipeline")) await pipelineBench();
if (only.has("filter")) await filterBench();
console.log(rows.join("\n"));
process.exit(0);
