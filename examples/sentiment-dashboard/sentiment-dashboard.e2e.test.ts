/**
 * ASTRA end to end: the simulated feed publishes posts; Herald scores and categorises them,
 * aggregates them, fires the plan's two alert rules, and delivers only negative posts to a
 * filtered subscription; then the React dashboard in Chromium (two analysts) shows the KPIs,
 * the chart, the alert toasts, the negative posts and who is present.
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
import { bundlePage, exampleConfig, type RunningExample, startExample } from "../shared/example-server.js";
import { Feed, samplePost } from "./feed.js";

const dir = import.meta.dirname;
const config = exampleConfig(dir) as { auth: { jwtSecret: string; apiKeys: string[] } };
const dataDir = mkdtempSync(join(tmpdir(), "herald-astra-"));
let app: RunningExample;
let feed: Feed;
let browser: Browser | undefined;

before(async () => {
  app = await startExample({
    dir,
    overrides: { store: { path: join(dataDir, "astra.db") }, log: { level: "silent" } },
    extraFiles: await bundlePage(join(dir, "public", "app.tsx")),
  });
  feed = new Feed(app.url, config.auth.apiKeys[0] as string);
});
after(async () => {
  await browser?.close();
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const isEvent = (topic: string, event: string) => (f: Frame) =>
  f.type === "event" && f.topic === topic && f.event === event;

describe("sentiment-dashboard example", () => {
  it("scores and categorises the feed, filters negative posts, fires sentiment_drop and viral_content", async () => {
    const token = await mintToken(config.auth.jwtSecret, "analyst-1");
    const c = await TestClient.connect(`${app.url.replace("http", "ws")}/ws?token=${token}`);
    for (const topic of ["critical_alerts", "opportunities"]) {
      assert.equal((await c.request({ type: "subscribe", topic })).type, "ack");
    }
    const sub = await c.request({ type: "subscribe", topic: "posts.>", filter: { "sentiment.label": "negative" } });
    assert.equal(sub.type, "ack", JSON.stringify(sub));
    for (let n = 0; n < 4; n++) await feed.publish(samplePost(n, "positive"));
    for (let n = 0; n < 4; n++) await feed.publish(samplePost(n, "negative"));
    const delivered: Frame[] = [];
    const isPost = (f: Frame) => f.type === "event" && f.event === "post_update";
    while (delivered.length < 4) delivered.push(await c.next(isPost, 15_000));
    for (const f of delivered) {
      const data = f.data as { id: string; category: string; sentiment: { label: string; score: number } };
      assert.match(data.id, /^sim-negative-/, "only negative posts pass the filter");
      assert.equal(data.sentiment.label, "negative");
      assert.ok(data.sentiment.score < 0);
      assert.ok(["politics", "economy", "other"].includes(data.category), data.category);
    }
    await feed.publish(samplePost(99, "positive", true));
    const viral = await c.next(isEvent("opportunities", "alert_firing"), 15_000);
    assert.deepEqual(
      [(viral.data as Frame).rule, (viral.data as { value: number }).value],
      ["viral_content", samplePost(99, "positive", true).engagement],
    );
    const drop = await c.next(isEvent("critical_alerts", "alert_firing"), 20_000);
    const alert = drop.data as { rule: string; value: number; threshold: number };
    assert.equal(alert.rule, "sentiment_drop");
    assert.ok(alert.value < 0.3, `window average ${alert.value}`);
    c.close();
  });

  it("shows live KPIs, the chart, alert toasts, negative posts and both analysts on the React page", async () => {
    browser = await launchChromium();
    const pages = [];
    for (const analyst of ["Dana", "Lee"]) {
      const page = await browser.newPage();
      const token = await mintToken(config.auth.jwtSecret, `analyst-${analyst}`);
      await page.goto(`${app.pageUrl}?analyst=${analyst}&token=${token}`);
      pages.push(page);
    }
    const [dana] = pages;
    assert.ok(dana);
    await dana.waitForSelector('#connection[data-on="true"]', { timeout: 20_000 });
    await dana.waitForFunction(() => document.getElementById("presence-count")?.textContent === "2", null, {
      timeout: 20_000,
    });
    assert.deepEqual((await dana.locator("#analysts li").allTextContents()).sort(), ["Dana", "Lee"]);
    for (let n = 100; n < 104; n++) await feed.publish(samplePost(n, "negative"));
    await feed.publish(samplePost(200, "negative", true));
    await dana.waitForSelector('.toast[data-rule="viral_content"]', { timeout: 20_000 });
    await dana.waitForFunction(() => Number(document.getElementById("kpi-posts")?.textContent) > 0, null, {
      timeout: 20_000,
    });
    await dana.waitForFunction(() => Number(document.getElementById("kpi-peak")?.textContent) >= 12_000, null, {
      timeout: 20_000,
    });
    await dana.waitForFunction(
      () => (document.querySelector("#sentiment-chart polyline")?.getAttribute("points") ?? "").length > 0,
      null,
      { timeout: 20_000 },
    );
    assert.ok((await dana.locator("#negative li").count()) >= 1);
    assert.match((await dana.locator("#negative li").first().textContent()) ?? "", /\(-0\.\d\d\)/);
  });
});
