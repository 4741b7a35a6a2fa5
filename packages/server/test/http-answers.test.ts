/**
 * HTTP answers an operator relies on (issue 11): requests during a SIGTERM drain get 503
 * `shutting_down` in the documented body (item 8), `/metrics` can require an API key, and
 * `read-all` counts what it marked.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { mintToken } from "../src/auth/jwt.js";
import type { HeraldConfigInput } from "../src/config.js";
import { getJson, postJson, startGateway } from "./helpers.js";
import { dropSchema, PG_URL } from "./integration/pg.js";

const KEY = "http-answers-api-key-0123456789";
const SECRET = "http-answers-jwt-secret-0123456789abcdef";

describe("during a drain", () => {
  it("item 8: publishes and inbox posts get 503 {code: shutting_down}; /readyz says draining", async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-drain-"));
    const g = await startGateway({
      auth: { apiKeys: [KEY] },
      store: { path: join(dir, "h.db") },
      timeouts: { shutdownMs: 10_000 },
    });
    // A WebSocket peer that never answers the close handshake keeps the drain open (until the
    // server cuts it off), so the requests below arrive while the node drains.
    const { port } = new URL(g.url);
    const peer = connect(Number(port), "127.0.0.1");
    peer.write(
      "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    await new Promise<void>((resolve) => peer.once("data", () => resolve()));
    const closing = g.close();
    try {
      const auth = { authorization: `Bearer ${KEY}` };
      const publish = await postJson(`${g.url}/api/publish`, { topic: "a", data: 1 }, auth);
      assert.equal(publish.status, 503);
      assert.deepEqual(Object.keys(publish.body).sort(), ["code", "error"]);
      assert.equal(publish.body.code, "shutting_down");
      const inbox = await postJson(`${g.url}/api/users/u1/notifications`, { title: "t", message: "m" }, auth);
      assert.equal(inbox.status, 503);
      assert.equal(inbox.body.code, "shutting_down");
      const ready = await getJson(`${g.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.equal(ready.body.draining, true);
    } finally {
      peer.destroy();
      await closing;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("/metrics protection", () => {
  it("requires an API key when metricsAccess.requireApiKey is set", async () => {
    const g = await startGateway({ auth: { apiKeys: [KEY] }, metricsAccess: { requireApiKey: true } });
    try {
      const open = await fetch(`${g.url}/metrics`);
      assert.equal(open.status, 401);
      assert.equal(((await open.json()) as { code: string }).code, "unauthorized");
      const keyed = await fetch(`${g.url}/metrics`, { headers: { "x-api-key": KEY } });
      assert.equal(keyed.status, 200);
      assert.match(await keyed.text(), /herald_/);
    } finally {
      await g.close();
    }
  });
});

const stores: Array<[string, (dir: string) => HeraldConfigInput["store"]]> = [
  ["sqlite", (dir) => ({ path: join(dir, "h.db") })],
  ["postgres", () => ({ type: "postgres", url: PG_URL, schema: `h_readall_${randomUUID().slice(0, 8)}` })],
];

for (const [kind, store] of stores) {
  describe(`read-all (${kind})`, () => {
    it("reports marked: 1 for a single notification to everyone, then 0", async () => {
      const dir = mkdtempSync(join(tmpdir(), "herald-readall-"));
      const cfg = store(dir);
      const g = await startGateway({ auth: { apiKeys: [KEY], jwtSecret: SECRET }, store: cfg });
      try {
        const sent = await postJson(
          `${g.url}/api/notifications`,
          { all: true, title: "t", message: "m" },
          { authorization: `Bearer ${KEY}` },
        );
        assert.equal(sent.status, 201);
        const user = { authorization: `Bearer ${await mintToken(SECRET, "carol")}` };
        const res = await postJson(`${g.url}/api/me/notifications/read-all`, {}, user);
        assert.equal(res.status, 200);
        assert.equal(res.body.marked, 1);
        assert.equal(res.body.unread, 0);
        const again = await postJson(`${g.url}/api/me/notifications/read-all`, {}, user);
        assert.equal(again.body.marked, 0);
      } finally {
        await g.close();
        rmSync(dir, { recursive: true, force: true });
        if (cfg?.schema !== undefined) await dropSchema(cfg.schema);
      }
    });
  });
}
