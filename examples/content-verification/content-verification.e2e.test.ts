/**
 * VeritasAI end to end: the example's configuration, the plan's streaming client (Authorization
 * header) and watchers on the three configured endpoints (header and `auth` frame), then the
 * page in Chromium verifying a text itself. Progress, `verification_complete`, the stored
 * notification and the dashboard statistics must all arrive live.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { mintToken } from "@herald/server";
import type { Browser } from "playwright-core";
import { launchChromium } from "../../packages/server/test/chromium.js";
import { type Frame, TestClient } from "../../packages/server/test/helpers.js";
import { exampleConfig, type RunningExample, startExample } from "../shared/example-server.js";
import { streamText, VeritasStreamClient } from "./stream-client.js";

const dir = import.meta.dirname;
const secret = (exampleConfig(dir) as { auth: { jwtSecret: string } }).auth.jwtSecret;
const dataDir = mkdtempSync(join(tmpdir(), "herald-veritas-"));
let app: RunningExample;
let browser: Browser | undefined;

before(async () => {
  app = await startExample({
    dir,
    overrides: { store: { path: join(dataDir, "veritas.db") }, log: { level: "silent" } },
  });
});
after(async () => {
  await browser?.close();
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Opens a typed endpoint and waits for its auto-subscription's ack. */
async function endpoint(path: string, token: string, via: "header" | "auth frame"): Promise<TestClient> {
  const url = `${app.url.replace("http", "ws")}${path}`;
  const c =
    via === "header"
      ? await TestClient.connect(url, { headers: { authorization: `Bearer ${token}` }, waitWelcome: false })
      : await TestClient.connect(url, { waitWelcome: false });
  if (via === "auth frame") c.send({ type: "auth", token });
  await c.next((f) => f.type === "success" && (f.data as Frame).type === "ack", 10_000);
  return c;
}

/** The event payload of the next `update` of this type. */
async function update(c: TestClient, updateType: string): Promise<Record<string, unknown>> {
  const f = await c.next((x) => x.type === "update" && x.update_type === updateType, 15_000);
  assert.equal(typeof f.timestamp, "number", "every message carries a timestamp");
  return (f.data as { data: Record<string, unknown> }).data;
}

describe("content-verification example", () => {
  it("streams a text through start/chunk/stop with progress, the result, a notification and dashboard stats live", async () => {
    const token = await mintToken(secret, "123");
    const other = await mintToken(secret, "456");
    const notifications = await endpoint("/api/v1/ws/notifications", token, "auth frame");
    const dashboard = await endpoint("/api/v1/ws/dashboard", token, "header");
    const client = new VeritasStreamClient(app.url, token);
    let analysis: TestClient | undefined;
    const chunks = ["First chunk is great and accurate", "Second chunk", "Third chunk: a wonderful source"];
    const final = await streamText(client, 123, chunks, async (id) => {
      analysis = await endpoint(`/api/v1/ws/analysis/${id}`, token, "header");
      // Another user's analysis stream is refused: "users can only subscribe to their own topics".
      const spy = await TestClient.connect(`${app.url.replace("http", "ws")}/api/v1/ws/analysis/${id}`, {
        headers: { authorization: `Bearer ${other}` },
        waitWelcome: false,
      });
      const refused = await spy.next((f) => f.type === "error", 10_000);
      assert.equal((refused.data as Frame).code, "forbidden");
      spy.close();
    });
    assert.ok(analysis);
    const perChunk: Array<[unknown, unknown]> = [];
    while (perChunk.length < 3) {
      const p = await update(analysis, "analysis_progress");
      if (p.chunk_id !== undefined && p.chunk_id !== null) perChunk.push([p.chunk_id, p.progress]); // not the one at start
    }
    assert.deepEqual(perChunk, [
      ["chunk_0", { chunks: 1 }],
      ["chunk_1", { chunks: 2 }],
      ["chunk_2", { chunks: 3 }],
    ]);
    const complete = await update(analysis, "verification_complete");
    assert.equal(complete.stream_id, final.stream_id);
    assert.equal((complete.result as { chunks: number }).chunks, 3);
    assert.equal((await client.status(final.stream_id)).status, "completed");
    const note = await update(notifications, "notification");
    assert.equal(note.type, "analysis");
    const stats = await dashboard.next((f) => f.type === "update" && JSON.stringify(f).includes('"count":1'), 15_000);
    assert.equal(stats.update_type, "aggregate");
    // "Message size limit: 1MB": a larger frame closes the connection with 1009.
    analysis.send({ type: "ping", pad: "x".repeat(1_100_000) });
    assert.equal(await analysis.closed, 1009);
    for (const c of [notifications, dashboard]) c.close();
  });

  it("lets a person verify a text on the page and see progress, result, notification and count", async () => {
    browser = await launchChromium();
    const page = await browser.newPage();
    const token = await mintToken(secret, "789");
    await page.goto(`${app.pageUrl}?token=${token}`);
    await page.waitForSelector('#notifications-dot[data-on="true"]', { timeout: 15_000 });
    await page.waitForSelector('#dashboard-dot[data-on="true"]', { timeout: 15_000 });
    await page.click("#verify");
    await page.waitForSelector('#result[data-label="positive"]', { timeout: 20_000 });
    assert.equal(await page.$eval("#progress", (p) => (p as HTMLProgressElement).value), 3);
    assert.match((await page.textContent("#result")) ?? "", /Verified 3 chunks: positive/);
    await page.waitForSelector("#notifications li", { timeout: 15_000 });
    await page.waitForFunction(() => Number(document.getElementById("verified-count")?.textContent) >= 2, null, {
      timeout: 15_000,
    });
  });
});
