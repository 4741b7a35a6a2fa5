/**
 * The dashboard end to end in headless Chromium against a real gateway serving the current
 * sources: sign in, watch the live chart move, see a published event in the tail, pause it, the
 * inbox badge count up and clear, keyboard navigation, the reconnect banner and the exact
 * recovery after a gateway restart; desktop screenshots checked for content.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { mintToken } from "../../server/src/auth/jwt.js";
import { createGateway } from "../../server/src/gateway.js";
import { Harness, SECRET, TOPIC } from "./harness.js";

const h = new Harness();
before(() => h.setup());
after(() => h.teardown());

describe("dashboard in Chromium", () => {
  it("signs in, charts live stats, tails a topic, counts the inbox and recovers after a restart", async () => {
    const context = await h.browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const admin = await mintToken(SECRET, "ada", { claims: { roles: ["admin"] } });

    // Sign in: a wrong token is refused on the form, the admin token opens the Overview.
    await page.goto(`${h.base}/`);
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
    await h.api("/api/publish", { topic: TOPIC, event: "created", data: { order: 0 } });
    await h.shoot(page, "overview-desktop", ["Overview", "Events per second", "Delivery latency", "Nodes"]);

    // Keyboard: the first Tab reaches the skip link, the next ones the views; Enter opens one.
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to content");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Topics");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Topics", exact: true }).waitFor();

    // Tail: a published event appears, and the inspector shows its data.
    await page.goto(`${h.base}/#/topics?topic=${TOPIC}`);
    await page.getByTestId("tail-status").getByText("● live").waitFor();
    await h.api("/api/publish", { topic: TOPIC, event: "created", data: { order: 1, item: "lamp" } });
    await page.getByTestId("events").getByText(TOPIC).first().waitFor();
    await page.getByText('"lamp"').waitFor();
    // Pause holds new events aside until resumed.
    await page.getByRole("button", { name: "Pause" }).click();
    await h.api("/api/publish", { topic: TOPIC, event: "created", data: { order: 2 } });
    await page.getByRole("button", { name: "Resume (1 new)" }).waitFor();
    await page.getByRole("button", { name: /Resume/ }).click();
    assert.equal(await page.getByTestId("events").locator("li").count(), 2);
    await h.shoot(page, "topics-desktop", ["Topics", "Namespaces", TOPIC]);

    // Inbox: the badge counts new notifications, mark all read clears it.
    await h.api("/api/users/ada/notifications", { title: "Build finished", message: "all green", priority: "low" });
    await page.getByTestId("unread-badge").getByText("1").waitFor();
    await h.api("/api/users/ada/notifications", { title: "Disk almost full", message: "92 %", priority: "urgent" });
    await page.getByTestId("unread-badge").getByText("2").waitFor();
    await page.getByRole("link", { name: /Inbox/ }).click();
    await page.getByText("Disk almost full", { exact: true }).waitFor();
    assert.equal(await page.getByText("just now").count(), 2);
    await h.shoot(page, "inbox-desktop", ["Inbox", "2 unread", "Disk almost full", "URGENT", "just now"]);
    await page.getByRole("button", { name: "Mark all read" }).click();
    await page.getByTestId("unread-count").getByText("0 unread").waitFor();
    assert.equal(await page.getByTestId("unread-badge").count(), 0);

    // Restart the gateway: the banner shows while it is down. An event is published while the
    // page cannot reach the gateway (through a second gateway on another port sharing the
    // durable store), so the page can only get it by recovery once the gateway is back.
    await page.goto(`${h.base}/#/topics?topic=${TOPIC}`);
    await page.getByTestId("tail-status").getByText("● live").waitFor();
    await h.gateway.close();
    await page.getByTestId("reconnect-banner").waitFor();
    const side = createGateway({ config: h.config(), defaultMetrics: false });
    const sidePort = (await side.listen({ port: 0, host: "127.0.0.1" })).port;
    await h.api(
      "/api/publish",
      { topic: TOPIC, event: "created", data: { order: 3, item: "while-away" } },
      `http://127.0.0.1:${sidePort}`,
    );
    await side.close();
    await h.start();
    await page
      .getByTestId("notices")
      .getByText("recovered exactly, 1 missed event replayed in order")
      .waitFor({ timeout: 30_000 });
    await page.getByTestId("reconnect-banner").waitFor({ state: "detached" });
    await page.getByTestId("events").getByText("#4").waitFor();
    await h.shoot(page, "topics-recovered-desktop", ["recovered exactly", TOPIC]);
    await context.close();
  });
});
