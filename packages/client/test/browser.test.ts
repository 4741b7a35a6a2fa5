/**
 * The browser bundle (built with esbuild by scripts/build-browser.mjs) in real headless
 * Chromium, against the real gateway: it connects with the browser's own WebSocket, receives
 * live events, survives a server-side kill with exact recovery, and publishes.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { mintToken } from "../../server/src/auth/jwt.js";
import type { HeraldConfigInput } from "../../server/src/config.js";
import { createGateway } from "../../server/src/gateway.js";
import { launchChromium } from "../../server/test/chromium.js";
import { postJson, testConfig } from "../../server/test/helpers.js";
import { killConnections } from "./support.js";

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

let built: string | undefined;

/** Builds the browser bundle once (into a temp directory). */
function bundleText(): string {
  if (built !== undefined) return built;
  const out = mkdtempSync(join(tmpdir(), "herald-browser-"));
  cleanups.push(() => rmSync(out, { recursive: true, force: true }));
  const script = fileURLToPath(new URL("../scripts/build-browser.mjs", import.meta.url));
  execFileSync(process.execPath, [script, out], { stdio: "pipe" });
  built = readFileSync(join(out, "herald-client.js"), "utf8");
  return built;
}

/**
 * The page and the gateway on one origin (the gateway attached to the app's HTTP server, as a
 * real deployment would): the gateway accepts same-origin upgrades by default.
 */
async function serve(config: HeraldConfigInput = {}) {
  const bundle = bundleText();
  const gateway = createGateway({ defaultMetrics: false, config: testConfig(config) });
  const html =
    "<!doctype html><html><body><ul id='events'></ul><script src='/herald-client.js'></script></body></html>";
  const api = gateway.middleware();
  const server = createServer((req, res) => {
    if (req.url === "/") res.writeHead(200, { "content-type": "text/html" }).end(html);
    else if (req.url === "/herald-client.js") res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    else api(req, res);
  });
  await gateway.attach(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    await gateway.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  const running = {
    gateway,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}${gateway.config.server.wsPath}`,
  };

  const browser = await launchChromium();
  cleanups.push(() => browser.close());
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (err) => pageErrors.push(String(err)));
  await page.goto(`http://127.0.0.1:${port}/`);
  // tsx (esbuild keepNames) wraps named functions in `__name(...)`; functions sent to the page need it.
  await page.evaluate("globalThis.__name = (fn) => fn");
  return { running, page, pageErrors };
}

test("the browser bundle receives live events from the real server in headless Chromium", async () => {
  const bundle = bundleText();
  // The build script already fails when `ws` or a `node:` module is bundled; nothing is left external either.
  assert.ok(!/\brequire\(|\bimport\s*\(|^import\s/m.test(bundle), "the bundle loads no module at run time");
  const { running, page, pageErrors } = await serve();

  await page.evaluate((url) => {
    const H = (window as unknown as { Herald: typeof import("../src/index.js") }).Herald;
    const w = window as unknown as Record<string, unknown>;
    const got: number[] = [];
    const states: string[] = [];
    w.got = got;
    w.states = states;
    const client = H.createClient({ url, backoff: { minMs: 5, maxMs: 50 } });
    w.client = client;
    client.on("state", (s) => states.push(s.status));
    const sub = client.subscribe<{ i: number }>("browser.feed");
    sub.on("event", (e) => {
      got.push(e.data.i);
      const li = document.createElement("li");
      li.textContent = String(e.data.i);
      document.getElementById("events")?.appendChild(li);
    });
    client.connect();
    return new Promise<void>((resolve, reject) => {
      setTimeout(() => reject(new Error(`not subscribed; states: ${states.join(",")}`)), 10_000);
      sub.once("subscribed", () => resolve());
    });
  }, running.wsUrl);

  for (let i = 0; i < 50; i++) {
    await running.gateway.publish("browser.feed", { i });
    if (i === 24) assert.equal(killConnections(running.gateway, "terminate"), 1);
  }
  await page.waitForFunction(() => (window as unknown as { got: number[] }).got.length >= 50, null, {
    timeout: 15_000,
  });
  const got = await page.evaluate(() => (window as unknown as { got: number[] }).got);
  assert.deepEqual(
    got,
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.equal(await page.locator("#events li").count(), 50, "rendered in the page's DOM");
  const states = await page.evaluate(() => (window as unknown as { states: string[] }).states);
  assert.ok(states.filter((s) => s === "connected").length >= 2, `reconnected: ${states.join(",")}`);

  // The browser publishes too, and the ack comes back.
  const ack = await page.evaluate(async () => {
    const client = (window as unknown as { client: import("../src/index.js").HeraldClient }).client;
    return client.publish("browser.out", { hello: "from chromium" });
  });
  assert.equal(ack.topic, "browser.out");
  assert.equal(ack.seq, 1);
  await page.evaluate(() => (window as unknown as { client: import("../src/index.js").HeraldClient }).client.close());
  assert.deepEqual(pageErrors, []);
});

test("the inbox in Chromium: the browser's fetch with the socket's token, live notifications over its WebSocket", async () => {
  const secret = "browser-inbox-secret-0123456789abcdef";
  const key = "browser-inbox-api-key-0123456789";
  const dir = mkdtempSync(join(tmpdir(), "herald-browser-inbox-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const { running, page, pageErrors } = await serve({
    auth: { jwtSecret: secret, apiKeys: [key], anonymous: false },
    store: { path: join(dir, "inbox.db") },
  });
  const token = await mintToken(secret, "zoe");
  await page.evaluate(
    (args) => {
      const H = (window as unknown as { Herald: typeof import("../src/index.js") }).Herald;
      const w = window as unknown as Record<string, unknown>;
      const titles: string[] = [];
      const counts: number[] = [];
      w.titles = titles;
      w.counts = counts;
      const client = H.createClient({ url: args.url, token: async () => args.token });
      w.client = client;
      client.on("notification", (n) => titles.push(n.title));
      client.on("unreadCount", ({ unread }) => counts.push(unread));
      client.connect();
      return client.whenConnected();
    },
    { url: running.wsUrl, token },
  );

  await postJson(`${running.url}/api/users/zoe/notifications`, { title: "hello", message: "m" }, { "x-api-key": key });
  await page.waitForFunction(() => (window as unknown as { counts: number[] }).counts.includes(1), null, {
    timeout: 15_000,
  });
  const result = await page.evaluate(async () => {
    const client = (window as unknown as { client: import("../src/index.js").HeraldClient }).client;
    const page1 = await client.inbox.list();
    const unread = await client.inbox.markRead(page1.notifications[0]?.id ?? "");
    client.close();
    return { titles: page1.notifications.map((n) => n.title), listed: page1.unread, unread };
  });
  assert.deepEqual(result, { titles: ["hello"], listed: 1, unread: 0 });
  assert.deepEqual(await page.evaluate(() => (window as unknown as { titles: string[] }).titles), ["hello"]);
  assert.deepEqual(pageErrors, []);
});
