import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OriginPolicy } from "./origin.js";

describe("OriginPolicy", () => {
  it("allows same-origin and Origin-less clients by default, nothing else", () => {
    const p = new OriginPolicy([]);
    assert.ok(p.allows(undefined, "herald.example:8080"));
    assert.ok(p.allows("https://herald.example:8080", "herald.example:8080"));
    assert.equal(p.allows("https://evil.example", "herald.example:8080"), false);
    assert.equal(p.allows("null", "herald.example"), false);
    assert.equal(p.allows("https://herald.example:8080", undefined), false);
  });

  it("matches exact origins and subdomain wildcards without lookalikes", () => {
    const p = new OriginPolicy(["https://app.example.com", "https://*.example.org"]);
    assert.ok(p.allows("https://app.example.com", "h"));
    assert.ok(p.allows("HTTPS://APP.EXAMPLE.COM", "h"));
    assert.ok(p.allows("https://a.b.example.org", "h"));
    for (const o of [
      "http://app.example.com",
      "https://app.example.com.evil.com",
      "https://example.org",
      "https://evilexample.org",
      "https://x.example.org:444",
      "http://a.example.org",
    ]) {
      assert.equal(p.allows(o, "h"), false, o);
    }
  });

  it("allows everything with *", () => {
    assert.ok(new OriginPolicy(["*"]).allows("https://anything.example", "h"));
  });
});
