import assert from "node:assert/strict";
import { test } from "node:test";
import { LazyStore } from "../store/lazy-store.js";
import { SqliteStore } from "../store/store-sqlite.js";
import { InboxRetention } from "./retention.js";

const DAY_MS = 86_400_000;

test("never opens a store on its own, then enforces age and count once it is open", async () => {
  const store = new LazyStore(new SqliteStore({ path: ":memory:" }));
  let now = 100 * DAY_MS;
  const retention = new InboxRetention(store, { maxPerUser: 2, ttlDays: 10, sweepMs: 60_000, now: () => now });
  try {
    assert.equal(await retention.sweep(), 0);
    assert.equal(store.opened, false, "a gateway without inbox traffic creates no database");
    const s = await store.get();
    for (let d = 85; d <= 95; d += 5)
      await s.addNotifications(["ann"], { title: `day ${d}`, message: "m" }, d * DAY_MS);
    await s.addNotifications(["ann"], { title: "day 99", message: "m" }, 99 * DAY_MS);
    // Day 85 is older than 10 days; of the rest (90, 95, 99) the newest 2 stay.
    const [a, b] = [retention.sweep(), retention.sweep()];
    assert.equal(a, b, "overlapping sweeps share one run");
    assert.equal(await a, 2);
    assert.deepEqual(
      (await s.listNotifications("ann", { limit: 10 })).map((n) => n.title),
      ["day 99", "day 95"],
    );
    now = 106 * DAY_MS;
    assert.equal(await retention.sweep(), 1, "day 95 ages out as the clock moves");
  } finally {
    await retention.close();
    await store.close();
  }
});

test("does nothing when both limits are 0", async () => {
  const store = new LazyStore(new SqliteStore({ path: ":memory:" }));
  const retention = new InboxRetention(store, { maxPerUser: 0, ttlDays: 0, sweepMs: 60_000 });
  try {
    const s = await store.get();
    await s.addNotifications(["ann"], { title: "ancient", message: "m" }, 1);
    retention.start();
    assert.equal(retention.enabled, false);
    assert.equal(await retention.sweep(), 0);
    assert.equal(await s.unreadCount("ann"), 1);
  } finally {
    await retention.close();
    await store.close();
  }
});
