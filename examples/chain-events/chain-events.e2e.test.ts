/**
 * CF1 end to end: blocks committed on the simulated chain (a CometBFT-0.38-faithful node, see
 * chain.ts) are read by Herald's `cometbft` connector, routed to the plan's typed topics and
 * proposal state topics; a client written like the plan's CF1EventStream (`proposal.*` and
 * `market.price.CF1-001`, JWT) gets them in chain order, replays what it missed across a
 * server-side kill exactly once, a proposal subscriber gets a snapshot then deltas; the page in
 * Chromium follows the stream through its TanStack Query cache. It also measures the time from
 * the node emitting a transaction to the client receiving its event (plan: < 100 ms) and prints
 * it; the figures are recorded in bench/RESULTS.md, not asserted.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createClient, type HeraldClient, type HeraldEvent, type Subscription } from "@herald/client";
import { mintToken } from "@herald/server";
import type { Browser } from "playwright-core";
import { WebSocket } from "ws";
import { launchChromium } from "../../packages/server/test/chromium.js";
import { TestClient } from "../../packages/server/test/helpers.js";
import { waitFor } from "../../packages/server/test/wait-for.js";
import { bundlePage, exampleConfig, type RunningExample, startExample } from "../shared/example-server.js";
import { Cf1Chain } from "./chain.js";

const dir = import.meta.dirname;
const config = exampleConfig(dir) as { auth: { jwtSecret: string }; connectors: Array<Record<string, unknown>> };
const dataDir = mkdtempSync(join(tmpdir(), "herald-cf1-"));
let chain: Cf1Chain;
let app: RunningExample;
let browser: Browser | undefined;
let stream: HeraldClient | undefined;

before(async () => {
  chain = new Cf1Chain(1000);
  const rpc = await chain.listen();
  const connectors = config.connectors.map((c) => ({ ...c, options: { ...(c.options as object), url: rpc } }));
  app = await startExample({
    dir,
    overrides: { store: { path: join(dataDir, "cf1.db") }, log: { level: "silent" }, connectors },
    extraFiles: await bundlePage(join(dir, "public", "app.tsx")),
  });
  // The connector has subscribed to the node's Tx and NewBlock events.
  await waitFor(() => chain.peer.subscriptions >= 2, { timeout: 20_000, what: "the connector's subscriptions" });
});
after(async () => {
  stream?.close();
  await browser?.close();
  await app.close();
  await chain.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const wsUrl = () => `${app.url.replace("http", "ws")}/ws`;
type Data = Record<string, string>;

/** The plan's CF1EventStream: topics `proposal.*` and `market.price.CF1-001`, JWT auth. */
async function cf1EventStream(user: string, onEvent: (e: HeraldEvent<Data>) => void): Promise<HeraldClient> {
  const client = createClient({
    url: wsUrl(),
    WebSocket,
    token: await mintToken(config.auth.jwtSecret, user),
    backoff: { minMs: 10, maxMs: 200 },
  });
  client.connect();
  for (const topic of ["proposal.*", "market.price.CF1-001"]) {
    const sub = client.subscribe<Data>(topic);
    sub.on("event", onEvent);
    await new Promise<void>((resolve, reject) => {
      sub.on("subscribed", () => resolve());
      sub.on("error", reject);
    });
  }
  return client;
}

describe("chain-events example", () => {
  const got: HeraldEvent<Data>[] = [];

  it("routes chain events to the plan's typed topics, in chain order", async () => {
    stream = await cf1EventStream("investor-1", (e) => got.push(e));
    chain.block(chain.propose("1", "Solar farm CF1-001", 250_000, "CF1-001"));
    chain.block(chain.price("CF1-001", 101.5), chain.invest("1", "wasm1alice", 5000));
    chain.block(chain.vote("1", "wasm1bob", true), chain.invest("1", "wasm1carol", 2500));
    chain.block(chain.price("CF1-002", 50), chain.price("CF1-001", 102.25));
    await waitFor(() => got.length >= 5, { timeout: 20_000, what: "5 events on proposal.* and market.price.CF1-001" });
    assert.deepEqual(
      got.map((e) => [e.topic, e.event, e.data.proposal_id ?? e.data.price]),
      [
        ["proposal.created", "proposal.created", "1"],
        ["market.price.CF1-001", "market.price", "101.50"],
        ["proposal.updated", "proposal.updated", "1"],
        ["proposal.updated", "proposal.updated", "1"],
        ["market.price.CF1-001", "market.price", "102.25"],
      ],
    );
    assert.deepEqual(got[0]?.data, {
      proposal_id: "1",
      title: "Solar farm CF1-001",
      target_amount: "250000",
      asset_id: "CF1-001",
    });
    assert.deepEqual(
      got.filter((e) => e.event === "proposal.updated").map((e) => e.data.raised),
      ["5000", "7500"],
    );
    assert.equal(got[0]?.source, "cf1-chain", "the connector's name is the event's source");
    // Nothing from another asset's price topic, nothing twice.
    assert.equal(new Set(got.map((e) => e.id)).size, got.length);
    // The other typed topics exist with their own history: the vote and both investments.
    const votes = await app.gateway.core.engine.broker.history("governance.vote", { since: 0, limit: 10 });
    assert.deepEqual(
      votes.events.map((e) => (e.data as Data).voter),
      ["wasm1bob"],
    );
    const investments = await app.gateway.core.engine.broker.history("investment.made", { since: 0, limit: 10 });
    assert.deepEqual(
      investments.events.map((e) => [(e.data as Data).investor, (e.data as Data).amount]),
      [
        ["wasm1alice", "5000"],
        ["wasm1carol", "2500"],
      ],
    );
  });

  it("gives a proposal subscriber its state snapshot, then deltas (last write wins per key)", async () => {
    const token = await mintToken(config.auth.jwtSecret, "investor-2");
    const c = await TestClient.connect(`${wsUrl()}?token=${token}`);
    const ack = await c.request({ type: "subscribe", topic: "proposals.1" });
    assert.equal(ack.type, "ack", JSON.stringify(ack));
    assert.deepEqual(ack.state, {
      title: "Solar farm CF1-001",
      target: "250000",
      asset: "CF1-001",
      status: "funding",
      raised: "7500",
      yes: "1",
      no: "0",
    });
    chain.block(chain.vote("1", "wasm1dave", false), chain.execute("1"));
    const patches = [];
    while (patches.length < 2) {
      const f = await c.next((x) => x.type === "event" && x.topic === "proposals.1", 20_000);
      assert.ok((f.seq as number) > (ack.seq as number), "deltas come after the snapshot's seq");
      patches.push((f.data as { patch: unknown }).patch);
    }
    assert.deepEqual(patches, [{ yes: "1", no: "1" }, { status: "executed" }]);
    c.close();
  });

  it("replays what a client missed while its connection was killed: exactly once, in chain order", async () => {
    const before = got.length;
    let killed = 0;
    for (const s of app.gateway.core.sessions.values()) {
      if (s.user !== "investor-1") continue;
      s.close(4006, "test");
      killed++;
    }
    assert.equal(killed, 1, "the stream's connection was killed");
    const cut = [
      chain.block(chain.price("CF1-001", 103)),
      chain.block(chain.invest("1", "wasm1erin", 1000), chain.price("CF1-001", 104)),
      chain.block(chain.price("CF1-001", 105)),
    ];
    assert.equal(cut.length, 3);
    await waitFor(() => got.length >= before + 4, { timeout: 20_000, what: "the 4 events committed during the cut" });
    const after = got.slice(before);
    const prices = after.filter((e) => e.topic === "market.price.CF1-001").map((e) => e.data.price);
    assert.deepEqual(prices, ["103.00", "104.00", "105.00"]);
    assert.deepEqual(
      after.filter((e) => e.event === "proposal.updated").map((e) => e.data.raised),
      ["8500"],
    );
    assert.equal(new Set(got.map((e) => e.id)).size, got.length, "no event twice");
  });

  it("measures chain-event-to-client latency (reported, not asserted)", async () => {
    const emitted = new Map<string, number>();
    const latencies: number[] = [];
    const base = got.length;
    const probe = (e: HeraldEvent<Data>) => {
      const at = emitted.get(e.data.price as string);
      if (e.topic === "market.price.CF1-001" && at !== undefined) latencies.push(performance.now() - at);
    };
    const off = (stream?.subscriptions.get("market.price.CF1-001") as Subscription<Data> | undefined)?.on(
      "event",
      probe,
    );
    const n = 100;
    for (let i = 0; i < n; i++) {
      const price = 200 + i;
      emitted.set(price.toFixed(2), performance.now());
      chain.block(chain.price("CF1-001", price));
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(() => latencies.length >= n, { timeout: 30_000, what: `${n} price events` });
    off?.();
    assert.equal(got.length - base, n, "every tick once");
    latencies.sort((a, b) => a - b);
    const q = (p: number) => (latencies[Math.min(n - 1, Math.floor(p * n))] as number).toFixed(1);
    process.stdout.write(
      `# chain-event-to-client latency over ${n} blocks: p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms (plan: < 100 ms)\n`,
    );
  });

  it("the page follows the stream through its TanStack Query cache", async () => {
    browser = await launchChromium();
    const page = await browser.newPage();
    const token = await mintToken(config.auth.jwtSecret, "investor-3");
    await page.goto(`${app.pageUrl}?token=${token}`);
    await page.waitForSelector('#connection[data-on="true"]', { timeout: 20_000 });
    // The proposal's state topic: its snapshot (funded earlier, executed).
    await page.waitForFunction(() => document.querySelector("#proposal-1 .status")?.textContent === "executed", null, {
      timeout: 20_000,
    });
    assert.equal(await page.textContent("#proposal-1 .title"), "Solar farm CF1-001");
    assert.equal(await page.textContent("#proposal-1 .raised"), "8,500");
    // The feed starts from history (the proposal created before the page opened).
    await page.waitForSelector('#feed li[data-event="proposal.created"]', { timeout: 20_000 });
    // Live: a price tick and an investment reach the page without a reload.
    chain.block(chain.price("CF1-001", 321.5), chain.invest("1", "wasm1frank", 1500));
    await page.waitForFunction(() => document.getElementById("price-value")?.textContent === "321.50", null, {
      timeout: 20_000,
    });
    await page.waitForFunction(() => document.querySelector("#proposal-1 .raised")?.textContent === "10,000", null, {
      timeout: 20_000,
    });
    await page.waitForSelector('#feed li[data-event="proposal.updated"]', { timeout: 20_000 });
  });
});
