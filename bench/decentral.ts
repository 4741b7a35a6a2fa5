/**
 * Decentralised sources, measured side by side with the bare publish path in one run:
 *
 * - chain: CometBFT transactions (through the real @cosmjs client, from the CometBFT-faithful
 *   peer) at RATE events/s into SUBS WebSocket subscribers; latency from the block's commit to
 *   each subscriber, p50/p99, against the same events published directly (`core.publish`).
 * - ipfs: ANN content announcements on real gossipsub through the Kubo-faithful peer, fetched,
 *   checked against their CID and published; announcements per second, against direct publishes
 *   of the same documents.
 *
 *     npx tsx bench/decentral.ts [--subs 1000] [--rate 1000] [--seconds 10] [--announcements 500]
 */
import { parseArgs } from "node:util";
import * as hdr from "hdr-histogram-js";
import WebSocket from "ws";
import { startPubsubPeer } from "../packages/server/src/connectors/ipfs/libp2p-node.js";
import { createGateway } from "../packages/server/src/gateway.js";
import { MemoryDeadLetterStore } from "../packages/server/src/pipeline/dead-letter-memory.js";
import { Ingest } from "../packages/server/src/pipeline/ingest.js";
import { buildConnector } from "../packages/server/test/connectors/support.js";
import { CometBftPeer } from "../packages/server/test/peers/cometbft-peer.js";
import { KuboPeer } from "../packages/server/test/peers/kubo-peer.js";

const { values } = parseArgs({
  options: {
    subs: { type: "string", default: "1000" },
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
    announcements: { type: "string", default: "500" },
  },
});
const SUBS = Number(values.subs);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const ANN = Number(values.announcements);
const now = () => performance.timeOrigin + performance.now();

const gateway = createGateway({
  defaultMetrics: false,
  config: {
    log: { level: "silent" },
    namespaces: [{ prefix: "", history: { size: 100_000, ttlSeconds: 0 } }],
    limits: { connectionsPerIpPerSecond: 0, httpRequestsPerSecond: 0, inboundFramesPerSecond: 0 },
  },
});
const { port } = await gateway.listen({ port: 0, host: "127.0.0.1" });
const ingest = new Ingest((r, c) => gateway.core.publish(r, c), new MemoryDeadLetterStore());
const checkpoints = new Map<string, string>();
const context = () => ({
  sink: ingest,
  checkpoints: {
    load: async (n: string) => checkpoints.get(n),
    save: async (n: string, c: string) => void checkpoints.set(n, c),
  },
  signal: new AbortController().signal,
});

/** SUBS sockets subscribed to `topic`; each event's latency from `data.sentAt` (or the attribute). */
async function subscribers(topic: string, histogram: hdr.Histogram, count: number): Promise<() => number> {
  let deliveries = 0;
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const subscribed = new Promise((r) => ws.once("message", r));
    ws.on("message", (raw) => {
      const f = JSON.parse(String(raw));
      if (f.type === "welcome") ws.send(JSON.stringify({ type: "subscribe", id: "s", topic }));
      if (f.type !== "event") return;
      const sent = Number(f.data?.wasm?.sent_at ?? f.data?.sentAt);
      histogram.recordValue(Math.max(0, Math.round((now() - sent) * 1000)));
      deliveries++;
    });
    await subscribed;
    sockets.push(ws);
  }
  await new Promise((r) => setTimeout(r, 500));
  return () => {
    for (const s of sockets) s.terminate();
    return deliveries;
  };
}

const fmt = (h: hdr.Histogram) =>
  `p50 ${(h.getValueAtPercentile(50) / 1000).toFixed(1)} ms, p99 ${(h.getValueAtPercentile(99) / 1000).toFixed(1)} ms, max ${(h.maxValue / 1000).toFixed(1)} ms`;

// ---- chain ----
const peer = new CometBftPeer(0);
const url = await peer.listen();
const connector = await buildConnector(gateway, {
  type: "cometbft",
  name: "bench-chain",
  topic: "chain.bench",
  maxInFlight: 1000,
  options: { url },
});
await connector.start(context());
while (peer.subscriptions < 2) await new Promise((r) => setTimeout(r, 20));
const blocksPerSecond = 10;
const perBlock = Math.max(1, Math.round(RATE / blocksPerSecond));
async function runChain(label: string, emit: (txs: number, height: number) => void, topic: string) {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000 });
  const stop = await subscribers(topic, histogram, SUBS);
  const blocks = SECONDS * blocksPerSecond;
  const started = now();
  for (let b = 0; b < blocks; b++) {
    emit(perBlock, b);
    const next = started + ((b + 1) * 1000) / blocksPerSecond;
    await new Promise((r) => setTimeout(r, Math.max(0, next - now())));
  }
  const expected = blocks * perBlock * SUBS;
  const deadline = now() + 15_000;
  while (histogram.totalCount < expected && now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const delivered = stop();
  console.log(`${label}: ${delivered}/${expected} deliveries, ${fmt(histogram)}`);
  return histogram;
}
const wasmEvent = (n: number) => ({
  type: "wasm",
  attributes: [
    { key: "_contract_address", value: "wasm1cf1market" },
    { key: "action", value: "price_update" },
    { key: "asset_id", value: "CF1-001" },
    { key: "seq", value: String(n) },
    { key: "sent_at", value: String(now()) },
  ],
});
let n = 0;
const direct = await runChain(
  "direct publish (baseline)",
  (txs) => {
    for (let i = 0; i < txs; i++) {
      const attrs = Object.fromEntries(wasmEvent(n++).attributes.map((a) => [a.key, a.value]));
      void gateway.core.publish({ topic: "direct.bench", event: "wasm", data: { wasm: attrs } }, { origin: "bench" });
    }
  },
  "direct.bench",
);
const chain = await runChain(
  "cometbft connector",
  (txs) => {
    peer.commit(
      Array.from({ length: txs }, () => ({
        tx: Buffer.from(`bench/${n}`).toString("base64"),
        events: [wasmEvent(n++)],
      })),
    );
  },
  "chain.bench",
);
console.log(
  `chain: p50 ratio ${(chain.getValueAtPercentile(50) / direct.getValueAtPercentile(50)).toFixed(2)}×, p99 ratio ${(chain.getValueAtPercentile(99) / direct.getValueAtPercentile(99)).toFixed(2)}× (connector / direct)`,
);
await connector.stop();
await peer.close();

// ---- ipfs ----
const kubo = new KuboPeer();
const endpoints = await kubo.start();
const crawler = await startPubsubPeer();
crawler.subscribe("lodestar.new_content", () => {});
await kubo.node.dial(crawler.addresses[0] as string);
const ipfs = await buildConnector(gateway, {
  type: "ipfs",
  name: "bench-ipfs",
  topic: "content.bench",
  options: { mode: "kubo", kuboUrl: endpoints.rpc, maxQueued: 100_000 },
});
await ipfs.start(context());
while (crawler.topicPeers("lodestar.new_content") === 0) await new Promise((r) => setTimeout(r, 20));
const docs = await Promise.all(
  Array.from({ length: ANN }, (_, i) =>
    kubo.putRaw(
      Buffer.from(JSON.stringify({ content: { id: `c${i}`, title: `t${i}` }, publisher: "crawler-7", sig: "x" })),
    ),
  ),
);
async function timeUntil(count: () => number, target: number): Promise<number> {
  const t0 = now();
  while (count() < target && now() - t0 < 60_000) await new Promise((r) => setImmediate(r));
  return now() - t0;
}
const t0 = now();
for (let i = 0; i < ANN; i++)
  void gateway.core.publish({ topic: "direct.content", data: { id: `c${i}` } }, { origin: "bench" });
const directMs = now() - t0 + (await timeUntil(() => 0, 0));
const before = ipfs.health().accepted;
const t1 = now();
for (const cid of docs) await crawler.publish("lodestar.new_content", Buffer.from(cid.toString()));
const published = now() - t1;
await timeUntil(() => ipfs.health().received, ANN);
console.error(
  `ipfs: announcements published in ${published.toFixed(0)} ms, all received after ${(now() - t1).toFixed(0)} ms`,
);
const ipfsMs = now() - t1 + (await timeUntil(() => ipfs.health().accepted - before, ANN));
console.log(
  `ipfs: ${ANN} announcements fetched, checked and published in ${ipfsMs.toFixed(0)} ms = ${((ANN * 1000) / ipfsMs).toFixed(0)}/s; direct publishes of the same count: ${((ANN * 1000) / directMs).toFixed(0)}/s`,
);
await ipfs.stop();
await crawler.stop();
await kubo.close();
await gateway.close();
process.exit(0);
