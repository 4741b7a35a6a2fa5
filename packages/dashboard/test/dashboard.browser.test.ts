/**
 * The dashboard end to end: the current sources built with Vite, served by a real gateway,
 * driven in headless Chromium. Sign in, watch the live chart move, see a published event in the
 * tail, the inbox badge count up and clear, the reconnect banner and the exact recovery after a
 * gateway restart; screenshots at desktop and phone sizes, checked for content.
 *
 * Screenshots go to a temporary directory, or to HERALD_SCREENSHOTS (e.g. `docs/dashboard`)
 * when set, which is how the documentation's pictures are made.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { build } from "vite";
import { mintToken } from "../../server/src/auth/jwt.js";
import type { HeraldConfigInput } from "../../server/src/config.js";
import { createGateway, type Gateway } from "../../server/src/gateway.js";
import { launchChromium } from "../../server/test/chromium.js";

const SECRET = "dashboard-browser-secret-0123456789";
const API_KEY = "dashboard-browser-api-key-0123456789";
const TOPIC = "dash-e2e.orders";

const work = mkdtempSync(join(tmpdir(), "herald-dashboard-e2e-"));
const shots = process.env.HERALD_SCREENSHOTS ? resolve(process.env.HERALD_SCREENSHOTS) : join(work, "shots");
const config = (root: string): HeraldConfigInput => ({
  log: { level: "silent" },
  timeouts: { shutdownMs: 200 },
  auth: { jwtSecret: SECRET, apiKeys: [API_KEY] },
  store: { path: join(work, "herald.db") },
  namespaces: [{ prefix: "dash-e2e", durable: true, history: { size: 1000, ttlSeconds: 3600 }, presence: true }],
  dashboard: { root, statsIntervalMs: 250 },
});

let root: string;
let gateway: Gateway;
let port: number;
let base: string;
let browser: Browser;

async function start(): Promise<void> {
  gateway = createGateway({ config: config(root), defaultMetrics: false });
  port = (await gateway.listen({ port: port ?? 0, host: "127.0.0.1" })).port;
  base = `http://127.0.0.1:${port}`;
}

async function api(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": API_KEY },
    body: JSON.stringify(body),
  });
  assert.ok(res.ok, `${path} answered ${res.status}: ${await res.clone().text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Saves a screenshot and checks it is not blank and the page shows the expected texts. */
async function shoot(page: Page, name: string, texts: string[]): Promise<void> {
  const file = join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  // A blank page compresses to a few hundred bytes; a rendered view is many kilobytes.
  assert.ok(statSync(file).size > 8000, `${name}.png looks blank (${statSync(file).size} bytes)`);
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what the screenshot shows
  const body = await page.locator("body").innerText();
  for (const t of texts) assert.ok(body.includes(t), `${name}: "${t}" is not on the page`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${name}: the page is ${overflow}px wider than the ${page.viewportSize()?.width}px screen`);
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  root = join(work, "dist");
  await build({
    root: resolve(import.meta.dirname, ".."),
    configFile: resolve(import.meta.dirname, "../vite.config.ts"),
    logLevel: "silent",
    build: { outDir: root, emptyOutDir: true },
  });
  await start();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await gateway?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("dashboard in Chromium", () => {
  it("signs in, charts live stats, tails a topic, counts the inbox and recovers after a restart", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const admin = await mintToken(SECRET, "ada", { claims: { roles: ["admin"] } });

    // Sign in: a wrong token is refused on the form, the admin token opens the Overview.
    await page.goto(`${base}/`);
    await page.getByLabel("User token (JWT)").fill("not-a-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    await page.getByLabel("User token (JWT)").fill(admin);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();

    // The live chart grows with every stats sample.
    const chart = page.locator("figure.chart").first();
    const samples = async () => Number(await chart.getAttribute("data-samples"));
    await page.waitForFunction(() => Number(document.querySelector("figure.chart")?.getAttribute("data-samples")) > 1);
    const first = await samples();
    await page.waitForFunction(
      (n) => Number(document.querySelector("figure.chart")?.getAttribute("data-samples")) > n,
      first,
    );
    assert.ok((await samples()) > first);
    await api("/api/publish", { topic: TOPIC, event: "created", data: { order: 0 } });
    await shoot(page, "overview-desktop", ["Overview", "Events per second", "Delivery latency", "Nodes"]);

    // Keyboard: the first Tab reaches the skip link, the next ones the views; Enter opens one.
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to content");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Topics");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Topics", exact: true }).waitFor();

    // Tail: a published event appears, and the inspector shows its data.
    await page.goto(`${base}/#/topics?topic=${TOPIC}`);
    await page.getByTestId("tail-status").getByText("● live").waitFor();
    await api("/api/publish", { topic: TOPIC, event: "created", data: { order: 1, item: "lamp" } });
    await page.getByTestId("events").getByText(TOPIC).first().waitFor();
    await page.getByText('"lamp"').waitFor();
    // Pause holds new events aside until resumed.
    await page.getByRole("button", { name: "Pause" }).click();
    await api("/api/publish", { topic: TOPIC, event: "created", data: { order: 2 } });
    await page.getByRole("button", { name: "Resume (1 new)" }).waitFor();
    await page.getByRole("button", { name: /Resume/ }).click();
    assert.equal(await page.getByTestId("events").locator("li").count(), 2);
    await shoot(page, "topics-desktop", ["Topics", "Namespaces", TOPIC]);

    // Inbox: the badge counts new notifications, mark all read clears it.
    await api("/api/users/ada/notifications", { title: "Build finished", message: "all green", priority: "low" });
    await page.getByTestId("unread-badge").getByText("1").waitFor();
    await api("/api/users/ada/notifications", { title: "Disk almost full", message: "92 %", priority: "urgent" });
    await page.getByTestId("unread-badge").getByText("2").waitFor();
    await page.getByRole("link", { name: /Inbox/ }).click();
    await page.getByText("Disk almost full", { exact: true }).waitFor();
    assert.equal(await page.getByText("just now").count(), 2);
    await shoot(page, "inbox-desktop", ["Inbox", "2 unread", "Disk almost full", "URGENT", "just now"]);
    await page.getByRole("button", { name: "Mark all read" }).click();
    await page.getByTestId("unread-count").getByText("0 unread").waitFor();
    assert.equal(await page.getByTestId("unread-badge").count(), 0);

    // Restart the gateway: the banner shows while it is down. An event is published while the
    // page cannot reach the gateway (through a second gateway on another port sharing the
    // durable store), so the page can only get it by recovery once the gateway is back.
    await page.goto(`${base}/#/topics?topic=${TOPIC}`);
    await page.getByTestId("tail-status").getByText("● live").waitFor();
    await gateway.close();
    await page.getByTestId("reconnect-banner").waitFor();
    const side = createGateway({ config: config(root), defaultMetrics: false });
    const sidePort = (await side.listen({ port: 0, host: "127.0.0.1" })).port;
    const published = await fetch(`http://127.0.0.1:${sidePort}/api/publish`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": API_KEY },
      body: JSON.stringify({ topic: TOPIC, event: "created", data: { order: 3, item: "while-away" } }),
    });
    assert.equal(published.status, 200);
    await side.close();
    await start();
    await page
      .getByTestId("notices")
      .getByText("recovered exactly, 1 missed event replayed in order")
      .waitFor({ timeout: 30_000 });
    await page.getByTestId("reconnect-banner").waitFor({ state: "detached" });
    await page.getByTestId("events").getByText("#4").waitFor();
    await shoot(page, "topics-recovered-desktop", ["recovered exactly", TOPIC]);
    await context.close();
  });

  it("fits phone screens of 320 and 375 px", async () => {
    const admin = await mintToken(SECRET, "ada", { claims: { roles: ["admin"] } });
    for (const width of [320, 375]) {
      const context = await browser.newContext({ viewport: { width, height: 720 }, isMobile: true, hasTouch: true });
      await context.addInitScript((t) => window.sessionStorage.setItem("herald.dashboard.token", t), admin);
      const page = await context.newPage();
      await page.goto(`${base}/#/overview`);
      await page.waitForFunction(
        () => Number(document.querySelector("figure.chart")?.getAttribute("data-samples")) > 1,
      );
      await shoot(page, `overview-${width}`, ["Overview", "Connections"]);
      await page.goto(`${base}/#/topics?topic=${TOPIC}`);
      await page.getByTestId("tail-status").getByText("● live").waitFor();
      await page.getByRole("button", { name: "Load history" }).click();
      await page.getByTestId("events").getByText(TOPIC).first().waitFor();
      await shoot(page, `topics-${width}`, ["Topics", TOPIC]);
      await context.close();
    }
  });

  it("signs in with the development token on a gateway started with defaults and devLogin", async () => {
    // What `HERALD_DASHBOARD_DEV_LOGIN=true npm start` runs: no secret, no key, embedded store.
    const dev = createGateway({
      config: {
        log: { level: "silent" },
        timeouts: { shutdownMs: 200 },
        store: { path: join(work, "dev.db") },
        dashboard: { root, devLogin: true, statsIntervalMs: 250 },
      },
      defaultMetrics: false,
    });
    const devPort = (await dev.listen({ port: 0, host: "127.0.0.1" })).port;
    const context = await browser.newContext({ viewport: { width: 320, height: 640 }, isMobile: true });
    try {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${devPort}/`);
      await page.getByRole("button", { name: "Use a development token" }).waitFor();
      await shoot(page, "login-320", ["Herald dashboard", "User token (JWT)", "Use a development token"]);
      await page.getByRole("button", { name: "Use a development token" }).click();
      await page.getByRole("heading", { name: "Overview" }).waitFor();
      await page.getByText("dev (admin)").waitFor();
      await page.waitForFunction(
        () => Number(document.querySelector("figure.chart")?.getAttribute("data-samples")) > 1,
      );
    } finally {
      await context.close();
      await dev.close();
    }
  });
});
