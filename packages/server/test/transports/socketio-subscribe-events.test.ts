// `socketio.subscribeEvents`: an unchanged socket.io-client emits Lodestar's
// `subscribe_preferences` {categories, sources, real_time}; the gateway turns it into one filtered
// subscription per socket, replaced by the next preferences, dropped by `real_time: false`.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { io, type Socket } from "socket.io-client";
import { resolveConfig } from "../../src/config.js";
import { type Running, startGateway } from "../helpers.js";
import { waitFor } from "../wait-for.js";

const PREFERENCES = {
  subscribe_preferences: {
    topic: "content.>",
    // `source` alone would read the envelope (the publisher), `data.source` reads the item.
    filter: { category: "categories", "data.source": "sources" },
    enabledBy: "real_time",
  },
};

interface Item {
  n: number;
  category: string;
  source: string;
}

let g: Running;
const sockets: Socket[] = [];

before(async () => {
  g = await startGateway({ socketio: { subscribeEvents: PREFERENCES } });
});
after(async () => {
  for (const s of sockets) s.close();
  await g.close();
});

async function reader(prefs: unknown): Promise<{ socket: Socket; got: number[]; answer: Record<string, unknown> }> {
  const socket = io(g.url, { transports: ["websocket"] });
  sockets.push(socket);
  const got: number[] = [];
  socket.on("content_update", (item: Item) => got.push(item.n));
  await new Promise<void>((r) => socket.once("connection_established", () => r()));
  const answer = (await socket.timeout(10_000).emitWithAck("subscribe_preferences", prefs)) as Record<string, unknown>;
  return { socket, got, answer };
}

let n = 0;
const ITEMS: Array<[string, string]> = [
  ["politics", "trusted_news"],
  ["economy", "trusted_news"],
  ["politics", "blog"],
  ["sports", "trusted_news"],
];
/** Publishes one item of each kind; returns their numbers in the same order as ITEMS. */
async function publishRound(): Promise<number[]> {
  const ns: number[] = [];
  for (const [category, source] of ITEMS) {
    n += 1;
    ns.push(n);
    await g.gateway.publish(`content.${category}`, { n, category, source }, { event: "content_update" });
  }
  return ns;
}
/** A marker every subscriber of content.> sees, so "nothing else arrived" is checked after it. */
async function marker(): Promise<number> {
  n += 1;
  await g.gateway.publish(
    "content.marker",
    { n, category: "politics", source: "trusted_news" },
    {
      event: "content_update",
    },
  );
  return n;
}

describe("Socket.IO subscribe events (socketio.subscribeEvents)", () => {
  it("subscribes each socket with the filter its preferences build; others see nothing of it", async () => {
    const a = await reader({ categories: ["politics", "economy"], sources: ["trusted_news"], real_time: true });
    const b = await reader({ categories: ["sports"], real_time: true });
    const all = await reader({ real_time: true });
    assert.equal(a.answer.ok, true, JSON.stringify(a.answer));
    assert.equal(a.answer.topic, "content.>");
    const [pt, et, pb, st] = await publishRound();
    const m = await marker();
    await waitFor(() => a.got.includes(m) && all.got.includes(m), { timeout: 10_000, what: "the marker" });
    await waitFor(() => b.got.length >= 1, { timeout: 10_000, what: "the sports item" });
    assert.deepEqual(a.got, [pt, et, m], "politics/economy from trusted_news only");
    assert.deepEqual(b.got, [st], "sports from any source");
    assert.deepEqual(all.got, [pt, et, pb, st, m], "no condition: everything, in order");
  });

  it("replaces the subscription when the preferences change, and drops it with real_time: false", async () => {
    const c = await reader({ categories: ["politics"], real_time: true });
    const again = (await c.socket.timeout(10_000).emitWithAck("subscribe_preferences", {
      categories: ["politics"],
      real_time: true,
    })) as Record<string, unknown>;
    assert.deepEqual(again, { ok: true, topic: "content.>", unchanged: true });
    const changed = (await c.socket.timeout(10_000).emitWithAck("subscribe_preferences", {
      categories: ["economy"],
      sources: "trusted_news",
      real_time: true,
    })) as Record<string, unknown>;
    assert.equal(changed.ok, true, JSON.stringify(changed));
    const [, et] = await publishRound();
    const m1 = await marker(); // politics: not economy, so c does not see it
    await publishRound();
    await waitFor(() => c.got.length >= 2, { timeout: 10_000, what: "two economy items" });
    const off = (await c.socket.timeout(10_000).emitWithAck("subscribe_preferences", {
      categories: ["economy"],
      real_time: false,
    })) as Record<string, unknown>;
    assert.deepEqual(off, { ok: true, topic: "content.>", subscribed: false });
    await publishRound();
    // Another reader proves the round was delivered before looking at c's list again.
    const probe = await reader({ real_time: true });
    const m2 = await marker();
    await waitFor(() => probe.got.includes(m2), { timeout: 10_000, what: "the probe's marker" });
    assert.equal(c.got[0], et);
    assert.equal(c.got.length, 2, `economy from trusted_news twice, then nothing: ${c.got} (marker ${m1})`);
  });

  it("refuses a preference value that is neither a list nor a single value, with invalid_filter", async () => {
    const d = await reader({ categories: { nested: true } });
    assert.equal(d.answer.ok, false);
    assert.equal(d.answer.code, "invalid_filter");
  });

  it("refuses configured names that Socket.IO or Herald already handle, and bad topics", () => {
    assert.throws(
      () => resolveConfig({ socketio: { subscribeEvents: { subscribe: { topic: "content.>" } } } }),
      /subscribeEvents\.subscribe: "subscribe" is an event Socket\.IO or Herald already handles/,
    );
    assert.throws(
      () => resolveConfig({ socketio: { subscribeEvents: { prefs: { topic: "content..x" } } } }),
      /subscribeEvents\.prefs\.topic/,
    );
  });
});
