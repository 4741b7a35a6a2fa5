/** The gateway serves the built dashboard at `dashboard.path` with the right caching headers. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ConfigError, resolveConfig } from "../../src/config.js";
import { IMMUTABLE, NO_CACHE } from "../../src/dashboard/assets.js";
import { startGateway } from "../helpers.js";

let root: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), "herald-dashboard-"));
  mkdirSync(join(root, "assets"));
  writeFileSync(join(root, "index.html"), "<!doctype html><title>Herald</title><div id=root></div>");
  writeFileSync(join(root, "assets", "index-Abc123.js"), "console.log('dashboard')");
});

after(() => rmSync(root, { recursive: true, force: true }));

describe("dashboard assets", () => {
  it("serves index.html at / with no-cache and hashed assets as immutable", async () => {
    const g = await startGateway({ dashboard: { root } });
    try {
      const index = await fetch(`${g.url}/`);
      assert.equal(index.status, 200);
      assert.match(index.headers.get("content-type") ?? "", /text\/html/);
      assert.equal(index.headers.get("cache-control"), NO_CACHE);
      assert.match(await index.text(), /<title>Herald<\/title>/);
      const asset = await fetch(`${g.url}/assets/index-Abc123.js`);
      assert.equal(asset.status, 200);
      assert.equal(asset.headers.get("cache-control"), IMMUTABLE);
      assert.match(asset.headers.get("content-type") ?? "", /javascript/);
      assert.equal(await asset.text(), "console.log('dashboard')");
      // An unknown file is a 404, and the API beside the dashboard still answers.
      assert.equal((await fetch(`${g.url}/assets/nope.js`)).status, 404);
      assert.equal((await fetch(`${g.url}/healthz`)).status, 200);
    } finally {
      await g.close();
    }
  });

  it("serves under a configured path, redirecting the path without its slash", async () => {
    const g = await startGateway({ dashboard: { root, path: "/ops" } });
    try {
      const bare = await fetch(`${g.url}/ops`, { redirect: "manual" });
      assert.equal(bare.status, 301);
      assert.equal(bare.headers.get("location"), "/ops/");
      assert.equal((await fetch(`${g.url}/ops/`)).status, 200);
      assert.equal((await fetch(`${g.url}/ops/assets/index-Abc123.js`)).headers.get("cache-control"), IMMUTABLE);
      assert.equal((await fetch(`${g.url}/`)).status, 404);
    } finally {
      await g.close();
    }
  });

  it("serves nothing when turned off", async () => {
    const g = await startGateway({ dashboard: { root, enabled: false } });
    try {
      assert.equal((await fetch(`${g.url}/`)).status, 404);
      assert.equal((await fetch(`${g.url}/assets/index-Abc123.js`)).status, 404);
    } finally {
      await g.close();
    }
  });

  it("answers 503 with the build command when the assets are missing", async () => {
    const g = await startGateway({ dashboard: { root: join(root, "not-built") } });
    try {
      const res = await fetch(`${g.url}/`);
      assert.equal(res.status, 503);
      assert.match(await res.text(), /npm run build -w packages\/dashboard/);
    } finally {
      await g.close();
    }
  });

  it("refuses a path that is not a path or that overlaps the API and transports", () => {
    for (const [path, why] of [
      ["ops", /must start with "\/"/],
      ["/api", /overlaps "\/api"/],
      ["/ws/", /overlaps "\/ws"/],
      ["/a//b", /plain path/],
    ] as const) {
      assert.throws(
        () => resolveConfig({ dashboard: { path } }),
        (err: unknown) => err instanceof ConfigError && why.test(err.message),
        path,
      );
    }
    assert.equal(resolveConfig({ dashboard: { path: "/ops" } }).dashboard.path, "/ops");
  });
});
