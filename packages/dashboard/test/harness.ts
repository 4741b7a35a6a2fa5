/**
 * The harness of the dashboard's browser tests: the current sources built with Vite into a
 * temporary directory, a real gateway serving them (restartable on the same port), headless
 * Chromium, and a screenshot check.
 *
 * Screenshots go to a temporary directory, or to HERALD_SCREENSHOTS (e.g. `docs/dashboard`)
 * when set, which is how the documentation's pictures are made.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { build } from "vite";
import type { HeraldConfigInput } from "../../server/src/config.js";
import { createGateway, type Gateway } from "../../server/src/gateway.js";
import { launchChromium } from "../../server/test/chromium.js";

export const SECRET = "dashboard-browser-secret-0123456789";
export const API_KEY = "dashboard-browser-api-key-0123456789";
/** A durable namespace with presence, so a restart keeps its history. */
export const TOPIC = "dash-e2e.orders";

export class Harness {
  readonly work = mkdtempSync(join(tmpdir(), "herald-dashboard-e2e-"));
  readonly shots = process.env.HERALD_SCREENSHOTS ? resolve(process.env.HERALD_SCREENSHOTS) : join(this.work, "shots");
  readonly root = join(this.work, "dist");
  gateway!: Gateway;
  port: number | undefined;
  base = "";
  browser!: Browser;

  /** The gateway's configuration: token secret, API key, the durable namespace, fast stats. */
  config(): HeraldConfigInput {
    return {
      log: { level: "silent" },
      timeouts: { shutdownMs: 200 },
      auth: { jwtSecret: SECRET, apiKeys: [API_KEY] },
      store: { path: join(this.work, "herald.db") },
      namespaces: [{ prefix: "dash-e2e", durable: true, history: { size: 1000, ttlSeconds: 3600 }, presence: true }],
      dashboard: { root: this.root, statsIntervalMs: 250 },
    };
  }

  async setup(): Promise<void> {
    mkdirSync(this.shots, { recursive: true });
    await build({
      root: resolve(import.meta.dirname, ".."),
      configFile: resolve(import.meta.dirname, "../vite.config.ts"),
      logLevel: "silent",
      build: { outDir: this.root, emptyOutDir: true },
    });
    await this.start();
    this.browser = await launchChromium();
  }

  /** Starts the gateway (again on the same port after the first start). */
  async start(): Promise<void> {
    this.gateway = createGateway({ config: this.config(), defaultMetrics: false });
    this.port = (await this.gateway.listen({ port: this.port ?? 0, host: "127.0.0.1" })).port;
    this.base = `http://127.0.0.1:${this.port}`;
  }

  async teardown(): Promise<void> {
    await this.browser?.close();
    await this.gateway?.close();
    rmSync(this.work, { recursive: true, force: true });
  }

  /** POSTs to the gateway's HTTP API with the API key (as a backend would). */
  async api(path: string, body: unknown, base = this.base): Promise<Record<string, unknown>> {
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": API_KEY },
      body: JSON.stringify(body),
    });
    assert.ok(res.ok, `${path} answered ${res.status}: ${await res.clone().text()}`);
    return (await res.json()) as Record<string, unknown>;
  }

  /** Saves a screenshot and checks it is not blank and the page shows the expected texts. */
  async shoot(page: Page, name: string, texts: string[]): Promise<void> {
    const file = join(this.shots, `${name}.png`);
    await page.screenshot({ path: file, fullPage: false });
    // A blank page compresses to a few hundred bytes; a rendered view is many kilobytes.
    assert.ok(statSync(file).size > 8000, `${name}.png looks blank (${statSync(file).size} bytes)`);
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what the screenshot shows
    const body = await page.locator("body").innerText();
    for (const t of texts) assert.ok(body.includes(t), `${name}: "${t}" is not on the page`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(
      overflow <= 0,
      `${name}: the page is ${overflow}px wider than the ${page.viewportSize()?.width}px screen`,
    );
  }
}
