import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { badgeText, formatMs, formatRate, matchesFilter, relativeTime } from "./format.js";

describe("dashboard formatting", () => {
  it("caps the unread badge at 99+ and hides it at zero", () => {
    assert.equal(badgeText(0), "");
    assert.equal(badgeText(1), "1");
    assert.equal(badgeText(99), "99");
    assert.equal(badgeText(100), "99+");
    assert.equal(badgeText(5000), "99+");
  });

  it("says just now under a minute, then minutes, hours and days ago", () => {
    const now = Date.UTC(2026, 0, 10, 12, 0, 0);
    assert.equal(relativeTime(now, now), "just now");
    assert.equal(relativeTime(now - 59_000, now), "just now");
    assert.equal(relativeTime(now + 5000, now), "just now"); // a clock slightly ahead is not "in 5 seconds"
    assert.equal(relativeTime(now - 60_000, now), "1 minute ago");
    assert.equal(relativeTime(now - 5 * 60_000, now), "5 minutes ago");
    assert.equal(relativeTime(now - 2 * 3600_000, now), "2 hours ago");
    assert.equal(relativeTime(now - 3 * 86400_000, now), "3 days ago");
  });

  it("formats rates and latencies for a fixed-width column", () => {
    assert.equal(formatRate(12345.67), "12,346");
    assert.equal(formatRate(2.25), "2.3");
    assert.equal(formatRate(null), "–");
    assert.equal(formatMs(0.423), "0.42 ms");
    assert.equal(formatMs(3.14), "3.1 ms");
    assert.equal(formatMs(1250), "1,250 ms");
    assert.equal(formatMs(null), "–");
  });

  it("filters events by topic, type or data text, case-insensitively", () => {
    const e = { topic: "market.price.CF1", event: "price", data: { symbol: "ACME", price: 101.5 } };
    assert.ok(matchesFilter(e, ""));
    assert.ok(matchesFilter(e, "cf1"));
    assert.ok(matchesFilter(e, "PRICE"));
    assert.ok(matchesFilter(e, "acme"));
    assert.ok(!matchesFilter(e, "governance"));
  });
});
