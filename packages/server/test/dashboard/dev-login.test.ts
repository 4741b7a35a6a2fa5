/** `dashboard.devLogin`: a one-hour admin token for this machine only, off by default. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { JwtAuthenticator } from "../../src/auth/jwt.js";
import { ConfigError, resolveConfig } from "../../src/config.js";
import { isLoopback } from "../../src/dashboard/dev-login.js";
import { getJson, postJson, startGateway, TestClient } from "../helpers.js";

const SECRET = "dashboard-dev-login-secret-0123456789";

describe("dashboard dev login", () => {
  it("is off by default: no route, and the info says so", async () => {
    const g = await startGateway();
    try {
      assert.equal((await postJson(`${g.url}/api/dashboard/dev-token`, {})).status, 404);
      const { body } = await getJson(`${g.url}/api/dashboard/info`);
      assert.equal((body.auth as { devLogin: boolean }).devLogin, false);
    } finally {
      await g.close();
    }
  });

  it("mints an admin token that the gateway accepts even when no token key is configured", async () => {
    const g = await startGateway({ dashboard: { devLogin: true } });
    try {
      const info = await getJson(`${g.url}/api/dashboard/info`);
      assert.deepEqual(info.body.auth, { anonymous: true, tokens: true, devLogin: true });
      const { status, body } = await postJson(`${g.url}/api/dashboard/dev-token`, {});
      assert.equal(status, 200);
      assert.equal(body.user, "dev");
      assert.ok((body.expiresAt as number) > Date.now() + 3500_000);
      const token = body.token as string;
      const me = await getJson(`${g.url}/api/dashboard/info`, { authorization: `Bearer ${token}` });
      assert.deepEqual(me.body.user, { id: "dev", admin: true, expiresAt: body.expiresAt });
      // The token opens the admin-only stats topic over the WebSocket.
      const c = await TestClient.connect(`${g.wsUrl}?token=${token}`);
      assert.equal((await c.request({ type: "subscribe", topic: "herald.stats" })).type, "ack");
      c.close();
    } finally {
      await g.close();
    }
  });

  it("signs with auth.jwtSecret when one is configured", async () => {
    const g = await startGateway({ auth: { jwtSecret: SECRET }, dashboard: { devLogin: true } });
    try {
      const { body } = await postJson(`${g.url}/api/dashboard/dev-token`, {});
      const who = await new JwtAuthenticator({ secret: SECRET }).authenticate(body.token as string);
      assert.equal(who.user, "dev");
      assert.deepEqual(who.claims.roles, ["admin"]);
    } finally {
      await g.close();
    }
  });

  it("refuses requests that do not come from this machine", async () => {
    const g = await startGateway({ dashboard: { devLogin: true } });
    try {
      const res = await g.gateway.http.inject({
        method: "POST",
        url: "/api/dashboard/dev-token",
        remoteAddress: "10.1.2.3",
      });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, "forbidden");
      const info = await g.gateway.http.inject({
        method: "GET",
        url: "/api/dashboard/info",
        remoteAddress: "10.1.2.3",
      });
      assert.equal(info.json().auth.devLogin, false);
    } finally {
      await g.close();
    }
    for (const a of ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"]) assert.ok(isLoopback(a), a);
    for (const a of ["10.0.0.1", "::ffff:10.0.0.1", "192.168.1.2", "fe80::1", undefined]) assert.ok(!isLoopback(a), a);
  });

  it("needs auth.jwtSecret when other token keys are configured", () => {
    assert.throws(
      () =>
        resolveConfig({
          auth: { jwt: { jwksUrl: "https://id.example.com/jwks", algorithms: ["RS256"] } },
          dashboard: { devLogin: true },
        } as never),
      (err: unknown) => err instanceof ConfigError && /devLogin needs auth\.jwtSecret/.test(err.message),
    );
    assert.equal(resolveConfig({}, { HERALD_DASHBOARD_DEV_LOGIN: "true" }).dashboard.devLogin, true);
  });
});
