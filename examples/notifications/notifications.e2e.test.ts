/**
 * Community Validator end to end: the plan's websocketService.js on an unmodified
 * socket.io-client (connect, authenticate, ping, get_status, re-authentication after a dropped
 * connection), notifications stored before they are pushed, the live broadcasts, then the
 * NotificationBell page in Chromium (badge "99+", 5 most recent, mark read, mark all read,
 * priorities, relative times).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { mintToken } from "@herald/server";
import type { Browser } from "playwright-core";
import { launchChromium } from "../../packages/server/test/chromium.js";
import { exampleConfig, type RunningExample, socketIoBrowserClient, startExample } from "../shared/example-server.js";
import { ValidatorBackend } from "./backend.js";
import { badgeText, relativeTime } from "./public/relative-time.js";
import { WebSocketService } from "./public/websocketService.js";

const dir = import.meta.dirname;
const config = exampleConfig(dir) as { auth: { jwtSecret: string; apiKeys: string[] } };
const dataDir = mkdtempSync(join(tmpdir(), "herald-validator-"));
let app: RunningExample;
let backend: ValidatorBackend;
let browser: Browser | undefined;
const services: WebSocketService[] = [];

before(async () => {
  app = await startExample({
    dir,
    overrides: { store: { path: join(dataDir, "validator.db") }, log: { level: "silent" } },
    extraFiles: socketIoBrowserClient(),
  });
  backend = new ValidatorBackend(app.url, config.auth.apiKeys[0] as string);
});
after(async () => {
  for (const s of services) s.disconnect();
  await browser?.close();
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The next `event` the service triggers, or a failure naming it after `ms`. */
function nextEvent<T = Record<string, unknown>>(service: WebSocketService, event: string, ms = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${event}`)), ms);
    const handler = (data: T) => {
      clearTimeout(timer);
      service.off(event, handler);
      resolve(data);
    };
    service.on(event, handler);
  });
}

async function signedIn(user: string): Promise<{ service: WebSocketService; token: string }> {
  const token = await mintToken(config.auth.jwtSecret, user);
  const service = new WebSocketService();
  services.push(service);
  const established = nextEvent(service, "connection_established");
  service.connect(app.url, { transports: ["websocket"] });
  await established;
  const authenticated = nextEvent<{ user_id: string }>(service, "authenticated");
  service.authenticate(user, token);
  assert.equal((await authenticated).user_id, user);
  return { service, token };
}

describe("notifications example", () => {
  it("times and badges as the plan's bell shows them", () => {
    const now = Date.parse("2026-01-10T12:00:00Z");
    assert.equal(relativeTime("2026-01-10T11:59:30Z", now), "Just now");
    assert.equal(relativeTime("2026-01-10T11:55:00Z", now), "5 minutes ago");
    assert.equal(relativeTime("2026-01-10T10:00:00Z", now), "2 hours ago");
    assert.equal(relativeTime("2026-01-07T12:00:00Z", now), "3 days ago");
    assert.equal(relativeTime("2025-12-01T12:00:00Z", now), new Date("2025-12-01T12:00:00Z").toLocaleDateString());
    assert.deepEqual([badgeText(0), badgeText(7), badgeText(99), badgeText(100)], ["", "7", "99", "99+"]);
  });

  it("authenticates, answers ping and get_status, pushes stored notifications and broadcasts, re-authenticates after a drop", async () => {
    const owner = await signedIn("owner-1");
    const watcher = await signedIn("watcher-1");
    const pong = nextEvent(owner.service, "pong");
    owner.service.socket?.emit("ping");
    await pong;
    const status = nextEvent<{ connected_users: number; user_id: string }>(owner.service, "status");
    owner.service.getStatus();
    const s = await status;
    assert.equal(s.user_id, "owner-1");
    assert.ok(s.connected_users >= 2, `connected_users ${s.connected_users}`);

    // Persisted first, then pushed: when the push arrives, the inbox already lists it.
    const pushed = nextEvent<{ id: string; title: string; priority: string }>(owner.service, "new_notification");
    const created = await backend.notifyValidationReceived("owner-1", "John Doe", "vouch", "claim456");
    const n = await pushed;
    assert.deepEqual([n.id, n.priority], [created.id, "high"]);
    const listed = await fetch(`${app.url}/api/me/notifications?limit=5`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    assert.equal(((await listed.json()) as { notifications: Array<{ id: string }> }).notifications[0]?.id, n.id);

    // Broadcasts reach everyone, not only the claim owner.
    const count = nextEvent<{ claim_id: string; count: number }>(watcher.service, "validation_count_update");
    const consensus = nextEvent<{ vouch: number }>(watcher.service, "consensus_update");
    await backend.updateValidationCount("claim456", 5);
    await backend.updateConsensus("claim456", 60, 30, 10);
    assert.deepEqual(await count, { claim_id: "claim456", count: 5 });
    assert.equal((await consensus).vouch, 60);

    // A dropped connection: the service reconnects and authenticates again by itself.
    const again = nextEvent(owner.service, "authenticated");
    owner.service.socket?.io.engine.close();
    await again;
    const later = nextEvent<{ id: string }>(owner.service, "new_notification");
    const second = await backend.createNotification("owner-1", { title: "Badge earned", message: "Fact finder" });
    assert.equal((await later).id, second.id);
  });

  it("shows the NotificationBell live: 99+, the 5 most recent, priorities, mark read, mark all read", async () => {
    const user = "bell-user";
    await Promise.all(
      Array.from({ length: 99 }, (_, i) => backend.createNotification(user, { title: `Old ${i}`, message: "earlier" })),
    );
    browser = await launchChromium();
    const page = await browser.newPage();
    const token = await mintToken(config.auth.jwtSecret, user);
    await page.goto(`${app.pageUrl}?user=${user}&token=${token}`);
    await page.waitForSelector('#status[data-on="true"]', { timeout: 20_000 });
    await page.waitForFunction(() => document.getElementById("badge")?.textContent === "99", null, { timeout: 15_000 });
    await backend.notifyValidationReceived(user, "Ada L.", "vouch", "claim456");
    await page.waitForFunction(() => document.getElementById("badge")?.textContent === "99+", null, {
      timeout: 15_000,
    });
    assert.equal(await page.locator("#list li").count(), 5);
    const top = page.locator("#list li").first();
    assert.match((await top.textContent()) ?? "", /New validation.*Ada L\. vouched for your claim.*Just now/);
    assert.equal(await top.getAttribute("class"), "priority-high unread");
    await top.click();
    await page.waitForFunction(() => document.getElementById("badge")?.textContent === "99", null, { timeout: 15_000 });
    await backend.updateValidationCount("claim456", 7);
    await page.waitForFunction(() => document.getElementById("count-claim456")?.textContent === "7", null, {
      timeout: 15_000,
    });
    await page.click("#mark-all");
    await page.waitForFunction(() => document.getElementById("badge")?.hidden === true, null, { timeout: 15_000 });
    const unread = await fetch(`${app.url}/api/me/notifications/unread-count`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(((await unread.json()) as { unread: number }).unread, 0);
  });
});
