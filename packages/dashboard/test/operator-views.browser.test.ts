/**
 * The operator views in headless Chromium against a real gateway with the pipeline, a webhook
 * connector, an aggregation, alert rules and analysis sessions on, signed in with an admin
 * token (never the API key): stage counters and a dead letter replayed from the page, connector
 * counters, a live aggregation chart, an alert rule created in the editor and fired, a session's
 * progress; screenshots at 1280 and 320 px.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { mintToken } from "../../server/src/auth/jwt.js";
import type { HeraldConfigInput } from "../../server/src/config.js";
import { Harness, SECRET } from "./harness.js";

const HOOK_SECRET = "operator-views-webhook-secret";

class OperatorHarness extends Harness {
  override config(): HeraldConfigInput {
    const base = super.config();
    return {
      ...base,
      namespaces: [
        ...(base.namespaces ?? []),
        {
          prefix: "orders",
          pipeline: [
            { stage: "validate", schemas: { "orders.>": { type: "object", required: ["total"] } } },
            {
              stage: "enrich",
              use: "lookup",
              field: "region",
              table: { eu: { vat: 0.2 } },
              target: "tax",
              fallback: {},
            },
          ],
        },
      ],
      connectors: [{ type: "webhook", name: "shop", topic: "orders.{data.region}", options: { secret: HOOK_SECRET } }],
      compute: {
        enabled: true,
        aggregations: [
          { name: "order_totals", topic: "orders.>", field: "total", ops: ["count", "sum"], window: "1s" },
        ],
      },
      streams: { enabled: true },
    };
  }
}

const h = new OperatorHarness();
let admin: string;
before(async () => {
  await h.setup();
  admin = await mintToken(SECRET, "ada", { claims: { roles: ["admin"] } });
});
after(() => h.teardown());

/** Sends one signed delivery to the webhook connector. */
async function deliver(body: unknown): Promise<Record<string, unknown>> {
  const raw = JSON.stringify(body);
  const ts = Math.floor(Date.now() / 1000);
  const sig = createHmac("sha256", HOOK_SECRET).update(`${ts}.${raw}`).digest("hex");
  const res = await fetch(`${h.base}/api/ingest/shop`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-herald-timestamp": String(ts),
      "x-herald-signature": `sha256=${sig}`,
    },
    body: raw,
  });
  return (await res.json()) as Record<string, unknown>;
}

async function open(width: number, view: string): Promise<Page> {
  const context = await h.browser.newContext({ viewport: { width, height: 900 } });
  await context.addInitScript((t) => window.sessionStorage.setItem("herald.dashboard.token", t), admin);
  const page = await context.newPage();
  await page.goto(`${h.base}/#/${view}`);
  return page;
}

describe("dashboard operator views in Chromium", () => {
  it("shows stage counters and replays a dead letter from the page; shows the connector", async () => {
    assert.equal((await deliver({ region: "eu", total: 10 })).status, "published");
    assert.equal((await deliver({ region: "us", total: 5 })).status, "published");
    const refused = await deliver({ region: "eu" }); // no total: refused by validate, dead-lettered
    assert.equal(refused.status, "dead-lettered", JSON.stringify(refused));
    const page = await open(1280, "pipeline");
    const validate = page.locator('[data-testid="stages"] tr[data-stage="orders/validate"]');
    await validate.locator("td.passed", { hasText: "2" }).waitFor();
    assert.equal(await validate.locator("td.refused").textContent(), "1");
    assert.match((await validate.textContent()) ?? "", /invalid_event 1/);
    const letter = page.locator('[data-testid="dead-letters"] tbody tr');
    await letter.first().waitFor();
    assert.equal(await letter.count(), 1);
    await h.shoot(page, "pipeline-1280", ["Pipeline", "Stages", "Dead letters", "invalid_event"]);
    // Replay: still refused (the data did not change), so it stays and the answer says so.
    await letter.getByRole("button", { name: "Replay" }).click();
    await page.getByRole("status").getByText("1 refused again").waitFor();
    assert.equal(await letter.count(), 1);

    await page.goto(`${h.base}/#/connectors`);
    const shop = page.locator('[data-testid="connectors"] tr[data-connector="shop"]');
    await shop.locator("td.received", { hasText: "3" }).waitFor();
    assert.equal(await shop.locator("td.rejected").textContent(), "1");
    assert.equal(await shop.locator(".status").textContent(), "running");
    await h.shoot(page, "connectors-1280", ["Connectors", "shop", "webhook"]);
    await page.context().close();
  });

  it("charts an aggregation live", async () => {
    const page = await open(1280, "aggregations");
    await page.getByRole("heading", { name: "order_totals" }).waitFor();
    for (let i = 0; i < 6; i++) {
      await deliver({ region: "eu", total: 100 + i });
      await new Promise((r) => setTimeout(r, 400));
    }
    // Windows close every second: the chart fills with points and the tiles show a count.
    await page.waitForFunction(
      () => Number(document.querySelector("figure.chart")?.getAttribute("data-samples")) >= 2,
      null,
      {
        timeout: 20_000,
      },
    );
    // A window with orders in it: its sum (100…105 each) is on the tile while it is the latest.
    await page.waitForFunction(
      () => Number(document.querySelector('[data-op="sum"] dd')?.textContent ?? "0") >= 100,
      null,
      { timeout: 20_000, polling: 50 },
    );
    await h.shoot(page, "aggregations-1280", ["Aggregations", "order_totals", "count", "sum"]);
    await page.context().close();
  });

  it("creates an alert rule in the editor and shows it firing", async () => {
    const page = await open(1280, "alerts");
    const editor = page.getByTestId("rule-editor");
    await editor.getByLabel("Id").fill("big_order");
    await editor.getByLabel("Topic or aggregation").fill("orders.>");
    await editor.getByLabel("Field").fill("total");
    await editor.getByLabel("Condition").selectOption("above");
    await editor.getByLabel("Threshold").fill("1000");
    await editor.getByLabel("Channel").fill("ops_alerts");
    await editor.getByRole("button", { name: "Create rule" }).click();
    await editor.getByText("created").waitFor();
    const rule = page.locator('[data-testid="rules"] tr[data-rule="big_order"]');
    await rule.waitFor();
    assert.match((await rule.textContent()) ?? "", /total above 1000/);
    // A bad rule is refused with the gateway's code, shown in the editor.
    await editor.getByLabel("Id").fill("bad rule!");
    await editor.getByLabel("Topic or aggregation").fill("orders.>");
    await editor.getByLabel("Field").fill("total");
    await editor.getByLabel("Threshold").fill("1");
    await editor.getByLabel("Id").evaluate((el) => el.removeAttribute("pattern")); // past the browser's own check
    await editor.getByRole("button", { name: "Create rule" }).click();
    await editor.getByRole("alert").getByText("bad_request").waitFor();
    // The rule fires: a small order does nothing, a big one fires it.
    await deliver({ region: "eu", total: 50 });
    await deliver({ region: "eu", total: 5000 });
    const fired = page.locator('[data-testid="alert-history"] li[data-rule="big_order"][data-state="firing"]');
    await fired.waitFor({ timeout: 20_000 });
    assert.match((await fired.textContent()) ?? "", /value 5000/);
    await page
      .locator('[data-testid="rules"] tr[data-rule="big_order"][data-state="firing"]')
      .waitFor({ timeout: 20_000 });
    await h.shoot(page, "alerts-1280", ["Alerts", "big_order", "Firing history", "firing"]);
    await page.context().close();
    const phone = await open(320, "alerts");
    await phone.locator('[data-testid="alert-history"] li[data-rule="big_order"]').first().waitFor();
    await h.shoot(phone, "alerts-320", ["Alerts", "big_order"]);
    await phone.context().close();
  });

  it("shows an analysis session's progress", async () => {
    const alice = await mintToken(SECRET, "alice");
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${h.base}/api/v1/stream${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${alice}` },
        body: JSON.stringify(body),
      });
      assert.ok(res.ok, `${path}: ${res.status}`);
      return (await res.json()) as { stream_id: string };
    };
    const { stream_id: id } = await post("/start", { content_type: "text" });
    const page = await open(1280, "streams");
    const row = page.locator(`[data-testid="sessions"] tr[data-session="${id}"]`);
    await row.locator("td.chunks", { hasText: "0" }).waitFor();
    await post(`/chunk/${id}`, { text: "first chunk of the article", chunk_id: "c1" });
    await post(`/chunk/${id}`, { text: "second chunk", chunk_id: "c2" });
    await row.locator("td.chunks", { hasText: "2" }).waitFor();
    assert.equal(await row.locator("td").nth(1).textContent(), "alice");
    await h.shoot(page, "streams-1280", ["Streams", "alice", "text"]);
    await page.context().close();
    const phone = await open(320, "pipeline");
    await phone.getByTestId("stages").waitFor();
    await h.shoot(phone, "pipeline-320", ["Pipeline", "Dead letters"]);
    await phone.context().close();
  });
});
