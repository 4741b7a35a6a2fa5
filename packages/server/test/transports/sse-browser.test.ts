// A real browser `EventSource` (headless Chromium through playwright-core) resumes after the
// server drops its stream: it reconnects by itself with `Last-Event-ID` and receives exactly
// the events it missed, once each, in order per topic.
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { describe, it } from "node:test";
import { launchChromium } from "../chromium.js";
import { startGateway } from "../helpers.js";

type Got = { topic: string; seq: number; data: unknown };

describe("SSE in a real browser", () => {
  it("resumes with Last-Event-ID after a drop and receives exactly what it missed", async () => {
    const g = await startGateway({ sse: { retryMs: 300 } });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${g.url}/healthz`); // same origin as /sse
      await page.evaluate(() => {
        const w = window as unknown as { got: unknown[]; readies: unknown[]; es: EventSource };
        w.got = [];
        w.readies = [];
        w.es = new EventSource("/sse?topic=news&topic=feed.>");
        w.es.addEventListener("ready", (e) => w.readies.push(JSON.parse((e as MessageEvent).data)));
        w.es.onmessage = (e) => w.got.push(JSON.parse(e.data));
      });
      await page.waitForFunction(() => (window as unknown as { readies: unknown[] }).readies.length === 1);
      await g.gateway.publish("news", "n1");
      await g.gateway.publish("feed.a", "f1");
      await g.gateway.publish("news", "n2");
      await page.waitForFunction(() => (window as unknown as { got: unknown[] }).got.length === 3);

      // The server side of the stream goes away (a proxy timeout, a node restart…).
      for (const s of g.gateway.core.sessions.values()) {
        if (s.transport.kind === "sse") (s.transport as unknown as { res: ServerResponse }).res.socket?.destroy();
      }
      await g.gateway.publish("news", "n3");
      await g.gateway.publish("feed.new", "f2"); // a topic that first appeared while away
      await g.gateway.publish("news", "n4");

      await page.waitForFunction(() => (window as unknown as { readies: unknown[] }).readies.length === 2);
      await g.gateway.publish("news", "n5");
      await page.waitForFunction(() => (window as unknown as { got: unknown[] }).got.length === 7);
      const { got, readies } = await page.evaluate(() => {
        const w = window as unknown as { got: Got[]; readies: Array<{ resumed: boolean }>; es: EventSource };
        w.es.close();
        return { got: w.got, readies: w.readies };
      });
      assert.deepEqual(
        readies.map((r) => r.resumed),
        [false, true],
      );
      assert.deepEqual(
        got.filter((e) => e.topic === "news").map((e) => [e.seq, e.data]),
        [
          [1, "n1"],
          [2, "n2"],
          [3, "n3"],
          [4, "n4"],
          [5, "n5"],
        ],
      );
      assert.deepEqual(
        got.filter((e) => e.topic !== "news").map((e) => [e.topic, e.data]),
        [
          ["feed.a", "f1"],
          ["feed.new", "f2"],
        ],
      );
    } finally {
      await browser.close();
      await g.close();
    }
  });
});
