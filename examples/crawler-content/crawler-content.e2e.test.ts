/**
 * Lodestar end to end: a crawler peer announces signed content on IPFS pubsub; Herald's `ipfs`
 * connector fetches each CID from the Kubo-RPC node (a faithful local peer backed by a real
 * libp2p gossipsub node, see crawler.ts), the pipeline verifies the crawler's signature, drops
 * duplicates, categorises and shapes the plan's `content_update`; unchanged socket.io-clients
 * get exactly what their `subscribe_preferences` ask for; forged and unsigned content reaches no
 * one. Then the page in Chromium renders new content without a refresh.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { io, type Socket } from "socket.io-client";
import { launchChromium } from "../../packages/server/test/chromium.js";
import { getJson } from "../../packages/server/test/helpers.js";
import { waitFor } from "../../packages/server/test/wait-for.js";
import { exampleConfig, type RunningExample, socketIoBrowserClient, startExample } from "../shared/example-server.js";
import { type Crawled, LodestarNetwork, sample } from "./crawler.js";

const dir = import.meta.dirname;
const config = exampleConfig(dir) as { auth: { apiKeys: string[] }; connectors: Array<Record<string, unknown>> };
const dataDir = mkdtempSync(join(tmpdir(), "herald-lodestar-"));
const network = new LodestarNetwork();
let app: RunningExample;
let browser: Browser | undefined;
const sockets: Socket[] = [];

before(async () => {
  await network.start();
  const connectors = config.connectors.map((c) => ({
    ...c,
    options: { ...(c.options as object), kuboUrl: network.rpc, checkIntervalMs: 200 },
  }));
  app = await startExample({
    dir,
    overrides: { store: { path: join(dataDir, "lodestar.db") }, log: { level: "silent" }, connectors },
    extraFiles: socketIoBrowserClient(),
  });
  await waitFor(() => network.listening, { timeout: 20_000, what: "the connector's pubsub subscription" });
});
after(async () => {
  for (const s of sockets) s.close();
  await browser?.close();
  await app.close();
  await network.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface ContentUpdate extends Crawled {
  ipfs_hash: string;
  category: string;
}

/** An unchanged socket.io-client as the plan's front-end writes it: connect, send preferences. */
async function frontEnd(preferences: Record<string, unknown>): Promise<ContentUpdate[]> {
  const socket = io(app.url, { transports: ["websocket"] });
  sockets.push(socket);
  const got: ContentUpdate[] = [];
  socket.on("content_update", (item: ContentUpdate) => got.push(item));
  await new Promise<void>((r) => socket.once("connect", () => r()));
  const answer = (await socket.timeout(10_000).emitWithAck("subscribe_preferences", preferences)) as { ok: boolean };
  assert.equal(answer.ok, true, JSON.stringify(answer));
  return got;
}

const RUN = "e2e";
const titles = (items: ContentUpdate[]) => items.map((i) => i.title);

describe("crawler-content example", () => {
  it("delivers verified, deduplicated, categorised content by each client's preferences", async () => {
    const news = await frontEnd({ categories: ["politics", "economy"], sources: ["trusted_news"], real_time: true });
    const health = await frontEnd({ categories: ["health"], real_time: true });
    const paused = await frontEnd({ categories: ["health"], real_time: false });
    const cids: string[] = [];
    // politics/trusted_news, economy/trusted_news, health/community_blog, technology/tech_wire,
    // politics/community_blog — then a forged, an unsigned and a re-announced item.
    const items = [0, 1, 2, 3, 4].map((n) => sample(n, RUN));
    for (const item of items) cids.push(await network.announce(item));
    const forged = await network.announce(sample(10, RUN), "forged");
    const unsigned = await network.announce(sample(11, RUN), "unsigned");
    // The same item (same id) crawled again later: a new document and CID, dropped by dedup.
    await network.announce({ ...(items[1] as Crawled), timestamp: new Date(Date.now() + 1000).toISOString() });
    // Markers: one item each client wants, announced last (announcements stay in order).
    await network.announce(sample(5, RUN)); // politics, trusted_news
    await network.announce(sample(7, RUN)); // health, community_blog
    await waitFor(() => news.length >= 3 && health.length >= 2, { timeout: 30_000, what: "both markers" });
    assert.deepEqual(titles(news), [
      "Senate passes the budget",
      "Inflation cools in March",
      "Senate passes the budget",
    ]);
    assert.deepEqual(titles(health), ["New vaccine trial results", "New vaccine trial results"]);
    assert.deepEqual(paused, [], "real_time: false receives nothing");
    // The plan's content_update, exactly: its fields, the category, the CID as ipfs_hash.
    assert.deepEqual(news[0], { ...items[0], ipfs_hash: cids[0], category: "politics" });
    assert.equal(news[1]?.category, "economy");
    assert.notEqual(news[2]?.id, news[0]?.id, "the marker is another item with the same title");
    // Forged and unsigned documents were refused by the verify stage, listed as dead letters.
    const headers = { "x-api-key": config.auth.apiKeys[0] as string };
    let letters: Array<{ stage: string; code: string; request: { id?: string } }> = [];
    await waitFor(
      async () => {
        const r = await getJson(`${app.url}/api/dead-letters?source=lodestar&limit=10`, headers);
        letters = (r.body as { deadLetters: typeof letters }).deadLetters;
        return letters.length >= 2;
      },
      { timeout: 20_000, what: "two dead letters" },
    );
    assert.deepEqual(
      letters.map((d) => [d.stage, d.code, d.request.id]).sort(),
      [
        ["verify", "bad_signature", forged],
        ["verify", "bad_signature", unsigned],
      ].sort(),
    );
    // The duplicate was answered as one (not dead-lettered) and reached no client.
    assert.equal(news.filter((i) => i.id === items[1]?.id).length, 1);
  });

  it("the page renders new content without a refresh, by the preferences it sends", async () => {
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(app.pageUrl);
    await page.waitForSelector('#status[data-on="true"]', { timeout: 20_000 });
    await page.waitForSelector('#preferences[data-applied="true"]', { timeout: 20_000 });
    // Untick technology: a technology item is then not shown, the next politics item is.
    await page.evaluate(() => document.getElementById("preferences")?.removeAttribute("data-applied"));
    await page.uncheck('input[name="categories"][value="technology"]');
    await page.waitForSelector('#preferences[data-applied="true"]', { timeout: 20_000 });
    const tech = sample(23, "page"); // technology, tech_wire
    const politics = sample(25, "page"); // politics, trusted_news
    await network.announce(tech);
    await network.announce(politics);
    await page.waitForSelector(`#feed li[data-id="${politics.id}"]`, { timeout: 30_000 });
    assert.equal(await page.locator(`#feed li[data-id="${tech.id}"]`).count(), 0, "technology was unticked");
    assert.equal(await page.textContent(`#feed li[data-id="${politics.id}"] strong`), politics.title);
    const shot = await page.screenshot({ path: join(dataDir, "lodestar.png") });
    assert.ok(shot.length > 1000, "a non-blank screenshot");
  });
});
