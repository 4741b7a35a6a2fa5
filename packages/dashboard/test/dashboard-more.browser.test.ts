/**
 * The dashboard in headless Chromium on phone screens (320 and 375 px), with the development
 * sign-in, presence, and browser notifications while the tab is in the background.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { mintToken } from "../../server/src/auth/jwt.js";
import { createGateway } from "../../server/src/gateway.js";
import { Harness, SECRET, TOPIC } from "./harness.js";

const h = new Harness();
before(() => h.setup());
after(() => h.teardown());

describe("dashboard in Chromium, phones and other sign-ins", () => {
  it("fits phone screens of 320 and 375 px", async () => {
    const admin = await mintToken(SECRET, "ada", { claims: { roles: ["admin"] } });
    // Stored history for the tail to load.
    for (const order of [1, 2]) await h.api("/api/publish", { topic: TOPIC, event: "created", data: { order } });
    for (const width of [320, 375]) {
      const context = await h.browser.newContext({ viewport: { width, height: 720 }, isMobile: true, hasTouch: true });
      await context.addInitScript((t) => window.sessionStorage.setItem("herald.dashboard.token", t), admin);
      const page = await context.newPage();
      await page.goto(`${h.base}/#/overview`);
      await page.waitForFunction(
        () => Number(document.querySelector("figure.chart")?.getAttribute("data-samples")) > 1,
      );
      await h.shoot(page, `overview-${width}`, ["Overview", "Connections"]);
      await page.goto(`${h.base}/#/topics?topic=${TOPIC}`);
      await page.getByTestId("tail-status").getByText("● live").waitFor();
      await page.getByRole("button", { name: "Load history" }).click();
      await page.getByTestId("events").getByText(TOPIC).first().waitFor();
      await h.shoot(page, `topics-${width}`, ["Topics", TOPIC]);
      await context.close();
    }
  });

  it("signs in with the development token on a gateway started with defaults and devLogin", async () => {
    // What `HERALD_DASHBOARD_DEV_LOGIN=true npm start` runs: no secret, no key, embedded store.
    const dev = createGateway({
      config: {
        log: { level: "silent" },
        timeouts: { shutdownMs: 200 },
        store: { path: join(h.work, "dev.db") },
        dashboard: { root: h.root, devLogin: true, statsIntervalMs: 250 },
      },
      defaultMetrics: false,
    });
    const devPort = (await dev.listen({ port: 0, host: "127.0.0.1" })).port;
    const context = await h.browser.newContext({ viewport: { width: 320, height: 640 }, isMobile: true });
    try {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${devPort}/`);
      await page.getByRole("button", { name: "Use a development token" }).waitFor();
      await h.shoot(page, "login-320", ["Herald dashboard", "User token (JWT)", "Use a development token"]);
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

  it("shows presence live and raises a browser notification while the tab is hidden", async () => {
    const bob = await mintToken(SECRET, "bob");
    const context = await h.browser.newContext({ viewport: { width: 1024, height: 720 } });
    await context.addInitScript((t) => window.sessionStorage.setItem("herald.dashboard.token", t), bob);
    // The tab is in the background and the user allowed notifications: record what is shown.
    // (A string, not a function: the page must get this code as written, not as transpiled.)
    await context.addInitScript({
      content: `
        Object.defineProperty(document, "visibilityState", { get: () => "hidden" });
        window.shown = [];
        window.Notification = class { constructor(title) { window.shown.push(title); } };
        window.Notification.permission = "granted";
        window.Notification.requestPermission = async () => "granted";
      `,
    });
    const page = await context.newPage();
    const other = new WebSocket(`ws://127.0.0.1:${h.port}/ws`);
    try {
      await page.goto(`${h.base}/#/presence`);
      await page.getByLabel("Topic").fill("dash-e2e.lobby");
      await page.getByRole("button", { name: "Show" }).click();
      await page.getByTestId("presence-count").getByText("1", { exact: true }).waitFor();
      // Another connection joins the topic: the count and the member list follow.
      if (other.readyState !== WebSocket.OPEN) await new Promise((r) => other.once("open", r));
      other.send(JSON.stringify({ type: "subscribe", id: "p1", topic: "dash-e2e.lobby", presence: true }));
      await page.getByTestId("presence-count").getByText("2", { exact: true }).waitFor();
      assert.equal(await page.getByRole("cell", { name: "anonymous" }).count(), 1);
      await page.getByRole("cell", { name: "bob" }).waitFor();

      await h.api("/api/users/bob/notifications", { title: "Review requested", message: "PR 42" });
      await page.getByTestId("unread-badge").getByText("1").waitFor();
      await page.waitForFunction(() => (window as unknown as { shown: string[] }).shown.includes("Review requested"));
    } finally {
      other.close();
      await context.close();
    }
  });
});
