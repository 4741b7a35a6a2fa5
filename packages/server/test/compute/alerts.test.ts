/**
 * Alert rules on a real gateway: created over the API, firing into the channel topic, a signed
 * webhook retried against a real local HTTP receiver, dead-lettered after every attempt failed,
 * an aggregate rule (ASTRA's `sentiment_drop`), and inbox notifications.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { signWebhook } from "../../src/compute/alerts/webhook.js";
import type { HeraldConfigInput } from "../../src/config.js";
import { getJson, postJson, type Running, startGateway, TestClient } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "herald-alerts-"));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Received {
  body: string;
  headers: IncomingMessage["headers"];
}

/** A webhook receiver answering `statuses` in turn (the last one repeats). */
async function receiver(statuses: number[]) {
  const got: Received[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      got.push({ body, headers: req.headers });
      res.statusCode = statuses[Math.min(got.length - 1, statuses.length - 1)] as number;
      res.end();
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  async function requests(n: number, timeoutMs = 10_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (got.length < n) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} webhook requests (got ${got.length})`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200).unref();
      });
    }
    return got;
  }
  return { url, requests, close: () => new Promise((r) => server.close(r)) };
}

const SECRET = "a-webhook-secret-of-some-length";

async function gateway(file: string, extra: Record<string, unknown> = {}): Promise<Running> {
  return startGateway({
    store: { path: join(dir, file) },
    compute: { enabled: true, graceMs: 50 },
    alerts: { webhook: { attempts: 3, backoffMs: 20, maxBackoffMs: 100, timeoutMs: 2000 } },
    ...extra,
  } as HeraldConfigInput);
}

describe("alert rules on a gateway", () => {
  it("fires into the channel and calls a signed webhook, retried until it succeeds", async () => {
    const hook = await receiver([500, 503, 200]);
    const g = await gateway("a.db");
    try {
      const rule = {
        id: "viral_content",
        type: "engagement",
        topic: "posts.>",
        field: "engagement",
        condition: "above",
        threshold: 10_000,
        channel: "opportunities",
        webhook: { url: hook.url, secret: SECRET },
      };
      const created = await postJson(`${g.url}/api/alerts`, rule);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const c = await TestClient.connect(g.wsUrl);
      await c.request({ type: "subscribe", topic: "opportunities" });
      await postJson(`${g.url}/api/publish`, { topic: "posts.1", data: { engagement: 500 } });
      await postJson(`${g.url}/api/publish`, { topic: "other", data: { engagement: 50_000 } });
      const hot = await postJson(`${g.url}/api/publish`, { topic: "posts.2", data: { engagement: 12_000 } });
      const alert = await c.next("event");
      assert.equal(alert.event, "alert_firing");
      const data = alert.data as Record<string, unknown>;
      assert.deepEqual(
        [data.rule, data.value, data.state, data.trigger],
        ["viral_content", 12_000, "firing", hot.body.id],
      );
      const got = await hook.requests(3);
      const last = got[2] as Received;
      const ts = Number(last.headers["x-herald-timestamp"]);
      assert.equal(last.headers["x-herald-signature"], signWebhook(SECRET, ts, last.body));
      assert.equal(last.headers["x-herald-delivery"], alert.id);
      assert.deepEqual(JSON.parse(last.body), data);
      assert.equal(got[0]?.body, last.body, "a retry sends the same body");
      await g.gateway.compute.webhooksSettled();
      const dead = await getJson(`${g.url}/api/alerts/dead-letters`);
      assert.deepEqual(dead.body.deadLetters, []);
      const view = await getJson(`${g.url}/api/alerts/viral_content`);
      assert.equal(view.body.state, "firing");
      c.close();
    } finally {
      await g.close();
      await hook.close();
    }
  });

  it("dead-letters a webhook delivery after every attempt failed", async () => {
    const hook = await receiver([500]);
    const g = await gateway("b.db");
    try {
      await postJson(`${g.url}/api/alerts`, {
        id: "kw",
        topic: "posts",
        field: "text",
        condition: "contains",
        threshold: "fraud",
        channel: "critical_alerts",
        webhook: { url: hook.url, secret: SECRET },
      });
      await postJson(`${g.url}/api/publish`, { topic: "posts", data: { text: "claims of fraud" } });
      assert.equal((await hook.requests(3)).length, 3);
      await g.gateway.compute.webhooksSettled();
      const dead = await getJson(`${g.url}/api/alerts/dead-letters`);
      const letters = dead.body.deadLetters as Array<Record<string, unknown>>;
      assert.equal(letters.length, 1);
      assert.equal(letters[0]?.code, "webhook_failed");
      assert.match(String(letters[0]?.reason), /HTTP 500 after 3 attempts/);
      assert.equal((letters[0]?.request as { topic: string } | undefined)?.topic, "critical_alerts");
    } finally {
      await g.close();
      await hook.close();
    }
  });

  it("fires an aggregate rule (sentiment average below 0.3) and notifies the users' inboxes", async () => {
    const g = await gateway("c.db", {
      compute: {
        enabled: true,
        graceMs: 50,
        aggregations: [
          { name: "sentiment", topic: "posts", field: "sentiment", ops: ["avg", "count"], window: "500ms" },
        ],
      },
      alerts: {
        rules: [
          {
            id: "sentiment_drop",
            aggregation: "sentiment",
            field: "values.avg",
            condition: "below",
            threshold: 0.3,
            channel: "critical_alerts",
            notify: ["analyst"],
          },
        ],
      },
    });
    try {
      const c = await TestClient.connect(g.wsUrl);
      await c.request({ type: "subscribe", topic: "critical_alerts" });
      // Refused over the API: declared in the configuration.
      assert.equal((await fetch(`${g.url}/api/alerts/sentiment_drop`, { method: "DELETE" })).status, 403);
      for (const s of [0.1, 0.2]) await postJson(`${g.url}/api/publish`, { topic: "posts", data: { sentiment: s } });
      const alert = await c.next((f) => f.type === "event" && f.topic === "critical_alerts", 10_000);
      assert.equal(alert.event, "alert_firing");
      assert.ok(((alert.data as { value: number }).value as number) < 0.3);
      const deadline = Date.now() + 5000;
      let notes = await g.gateway.inbox.list("analyst", { limit: 10 });
      while (notes.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        notes = await g.gateway.inbox.list("analyst", { limit: 10 });
      }
      assert.equal(notes.length, 1, "one notification in the analyst's inbox");
      assert.equal(notes[0]?.type, "alert");
      assert.equal(notes[0]?.title, "Alert sentiment_drop");
      c.close();
    } finally {
      await g.close();
    }
  });
});
