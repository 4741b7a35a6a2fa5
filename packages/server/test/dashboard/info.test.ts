/** `GET /api/dashboard/info`: features, the caller's identity and namespaces, never the API key. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { mintToken } from "../../src/auth/jwt.js";
import { getJson, startGateway } from "../helpers.js";

const SECRET = "dashboard-info-secret-0123456789";
const API_KEY = "dashboard-info-api-key-0123456789";

describe("GET /api/dashboard/info", () => {
  const config = {
    auth: { jwtSecret: SECRET, apiKeys: [API_KEY] },
    namespaces: [
      { prefix: "room", presence: true },
      {
        prefix: "ops",
        acl: {
          subscribe: "admin" as const,
          publish: "admin" as const,
          history: "admin" as const,
          presence: "admin" as const,
        },
      },
    ],
  };

  it("answers anonymous callers without the API key, hiding admin-only parts", async () => {
    const g = await startGateway(config);
    try {
      const { status, body } = await getJson(`${g.url}/api/dashboard/info`);
      assert.equal(status, 200);
      assert.equal(body.user, null);
      assert.equal(body.statsTopic, "");
      assert.equal(body.wsPath, "/ws");
      assert.deepEqual(body.auth, { anonymous: true, tokens: true, devLogin: false });
      assert.deepEqual(body.features, ["history", "inbox", "pipeline", "presence", "stats", "topics"]);
      const prefixes = (body.namespaces as Array<{ prefix: string }>).map((n) => n.prefix);
      assert.deepEqual(prefixes, ["", "room"]);
      assert.ok(!JSON.stringify(body).includes(API_KEY));
    } finally {
      await g.close();
    }
  });

  it("tells an admin token apart from a user token", async () => {
    const g = await startGateway(config);
    try {
      const admin = await mintToken(SECRET, "ada", { claims: { roles: ["admin"] } });
      const a = await getJson(`${g.url}/api/dashboard/info`, { authorization: `Bearer ${admin}` });
      assert.equal(a.status, 200);
      assert.deepEqual((a.body.user as { id: string; admin: boolean }).admin, true);
      assert.equal((a.body.user as { id: string }).id, "ada");
      assert.equal(a.body.statsTopic, "herald.stats");
      const prefixes = (a.body.namespaces as Array<{ prefix: string }>).map((n) => n.prefix);
      assert.deepEqual(prefixes, ["", "room", "ops", "herald.stats"]);

      const user = await mintToken(SECRET, "bob");
      const b = await getJson(`${g.url}/api/dashboard/info`, { authorization: `Bearer ${user}` });
      assert.equal((b.body.user as { admin: boolean }).admin, false);
      assert.equal(b.body.statsTopic, "");
    } finally {
      await g.close();
    }
  });

  it("refuses a bad token with 401 unauthorized", async () => {
    const g = await startGateway(config);
    try {
      const forged = await mintToken("another-secret-0123456789abcdef", "eve", { claims: { roles: ["admin"] } });
      const { status, body } = await getJson(`${g.url}/api/dashboard/info`, { authorization: `Bearer ${forged}` });
      assert.equal(status, 401);
      assert.equal(body.code, "unauthorized");
    } finally {
      await g.close();
    }
  });

  it("lists features that modules add after start", async () => {
    const g = await startGateway({ dashboard: { statsTopic: "" } });
    try {
      let { body } = await getJson(`${g.url}/api/dashboard/info`);
      assert.deepEqual(body.features, ["history", "inbox", "pipeline", "topics"]);
      assert.deepEqual(body.auth, { anonymous: true, tokens: false, devLogin: false });
      g.gateway.features.add("alerts");
      ({ body } = await getJson(`${g.url}/api/dashboard/info`));
      assert.ok((body.features as string[]).includes("alerts"));
      assert.throws(() => g.gateway.features.add("Not A Name"), TypeError);
    } finally {
      await g.close();
    }
  });

  it("lists the operator views' features for the parts a gateway runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-info-features-"));
    const g = await startGateway({
      store: { path: join(dir, "herald.db") },
      compute: { enabled: true },
      streams: { enabled: true },
      connectors: [{ type: "webhook", name: "shop", options: { secret: "info-features-webhook-secret" } }],
    });
    try {
      const { body } = await getJson(`${g.url}/api/dashboard/info`);
      for (const f of ["pipeline", "connectors", "aggregations", "alerts", "streams"]) {
        assert.ok((body.features as string[]).includes(f), `${f} in ${body.features}`);
      }
      assert.equal(body.streamsPrefix, "/api/v1/stream");
    } finally {
      await g.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
