/**
 * `useInbox` on a page of another origin, in headless Chromium against the real gateway: an
 * allowed origin lists the inbox over CORS, sees a new notification live and marks all read; a
 * page of an origin the gateway does not allow gets the refusal as a terminal error with its code
 * (4504, not an endless 1006 retry loop), and its inbox request is refused by CORS.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { mintToken } from "../../server/src/auth/jwt.js";
import { launchChromium } from "../../server/test/chromium.js";
import { postJson, type Running, startGateway } from "../../server/test/helpers.js";

const SECRET = "cross-origin-inbox-secret-0123456789";
const KEY = "cross-origin-inbox-api-key-0123456789";
const dir = mkdtempSync(join(tmpdir(), "herald-cross-origin-"));
let script = "";
let gateway: Running;
let allowed: { server: Server; origin: string };
let denied: { server: Server; origin: string };
let browser: Browser;

/** A static server of the page on its own origin (127.0.0.1 vs localhost vs ports differ). */
async function pageServer(): Promise<{ server: Server; origin: string }> {
  const html = `<!doctype html><html><body><div id="root"></div><script type="module" src="/page.js"></script></body></html>`;
  const server = createServer((req, res) => {
    if (req.url?.startsWith("/page.js")) res.writeHead(200, { "content-type": "text/javascript" }).end(script);
    else res.writeHead(200, { "content-type": "text/html" }).end(html);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

before(async () => {
  const out = await build({
    entryPoints: [join(import.meta.dirname, "fixtures", "inbox-page.tsx")],
    bundle: true,
    write: false,
    format: "esm",
    jsx: "automatic",
    conditions: ["herald-source"],
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  script = out.outputFiles[0]?.text ?? "";
  allowed = await pageServer();
  denied = await pageServer();
  gateway = await startGateway({
    auth: { jwtSecret: SECRET, apiKeys: [KEY] },
    store: { path: join(dir, "herald.db") },
    server: { allowedOrigins: [allowed.origin] },
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await gateway?.close();
  for (const s of [allowed, denied]) await new Promise((r) => s?.server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const notify = (title: string) =>
  postJson(`${gateway.url}/api/notifications`, { users: ["ann"], title, message: title }, { "x-api-key": KEY });

describe("another origin", () => {
  it("an allowed origin uses useInbox over CORS: lists, gets a new one live, marks all read", async () => {
    assert.equal((await notify("first")).status, 201);
    const page = await browser.newPage();
    const token = await mintToken(SECRET, "ann");
    await page.goto(`${allowed.origin}/?gateway=${encodeURIComponent(gateway.wsUrl)}&token=${token}`);
    await page.waitForSelector('#status[data-status="connected"]', { timeout: 20_000 });
    await page.waitForFunction(() => document.getElementById("unread")?.textContent === "1", null, { timeout: 20_000 });
    assert.deepEqual(await page.locator("#items li").allTextContents(), ["first"]);
    assert.equal((await notify("second")).status, 201);
    await page.waitForFunction(() => document.getElementById("unread")?.textContent === "2", null, { timeout: 20_000 });
    await page.getByRole("button", { name: "Mark all read" }).click();
    await page.waitForFunction(() => document.getElementById("unread")?.textContent === "0", null, { timeout: 20_000 });
    assert.deepEqual(await page.locator('#items li[data-read="true"]').allTextContents(), ["second", "first"]);
    assert.equal(await page.locator("#inbox-error").count(), 0);
    await page.close();
  });

  it("an origin the gateway does not allow gets a terminal 4504 and stops; its inbox request is refused", async () => {
    const refusedBefore = gateway.gateway.upgradeGuard.refused.origin;
    const page = await browser.newPage();
    const token = await mintToken(SECRET, "ann");
    await page.goto(`${denied.origin}/?gateway=${encodeURIComponent(gateway.wsUrl)}&token=${token}`);
    await page.waitForSelector('#status[data-status="closed"][data-code="4504"]', { timeout: 20_000 });
    assert.match((await page.textContent("#terminal")) ?? "", /origin not allowed/);
    await page.waitForSelector("#inbox-error", { timeout: 20_000 });
    // Stopped for good: no further attempt reaches the gateway.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(gateway.gateway.upgradeGuard.refused.origin - refusedBefore, 1, "one attempt, no retries");
    await page.close();
  });
});
