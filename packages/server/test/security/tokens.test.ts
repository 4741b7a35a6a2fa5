// Adversarial token tests against the real server: every forged, stale or misdirected token
// is refused with a precise code, and a bystander keeps receiving every event.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { type Running, startGateway, TestClient } from "../helpers.js";
import { reservedClosedPort } from "../ports.js";
import { withBystander } from "./bystander.js";
import { authConfig, EC, editedToken, HS_SECRET, mint, noneToken, RSA, rsaJwk, STRANGER } from "./fixtures.js";

/** Connects with `?token=` and returns the error frame and close code it was refused with. */
async function refused(run: Running, token: string): Promise<{ code: unknown; error: unknown; close: number }> {
  const c = await TestClient.connect(`${run.wsUrl}?token=${encodeURIComponent(token)}`, { waitWelcome: false });
  const err = await c.next("error");
  const close = await c.closed;
  return { code: err.code, error: err.error, close };
}

/** Seconds since the epoch at which `token` expires (its `exp` claim). */
function expOf(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as { exp: number };
  return payload.exp;
}

/** Waits (real time: the session's timers are real) until `Date.now()` has passed `ms`. */
async function until(ms: number): Promise<void> {
  const left = ms - Date.now();
  if (left > 0) await new Promise((r) => setTimeout(r, left + 1));
}

/** The grace between `refresh` and the 4005 close (`timeouts.authMs`): long enough to act in it. */
const GRACE_MS = 3000;
const CONFIG = { auth: authConfig(), timeouts: { authMs: GRACE_MS } };
/** For the tests that wait for the auth timeout (no token): a shorter one. */
const QUICK_AUTH = { ...CONFIG, timeouts: { authMs: 1000 } };
const bystanderToken = async () => `?token=${await mint("bystander")}`;

/** One gateway and bystander per test, verified inside the test. */
const withGateway = (body: (run: Running) => Promise<void>, config = CONFIG) =>
  withBystander(config, body, bystanderToken);

describe("tokens", () => {
  it("accepts HS256, RS256, ES256 and EdDSA tokens signed by configured keys", () =>
    withGateway(async (run) => {
      for (const alg of ["HS256", "RS256", "ES256", "EdDSA"] as const) {
        const c = await TestClient.connect(`${run.wsUrl}?token=${await mint(`u-${alg}`, { alg })}`, {
          waitWelcome: false,
        });
        assert.equal((await c.next("welcome")).user, `u-${alg}`, `${alg} token logged in as its subject`);
        c.close();
      }
    }));

  it("takes the token from the Authorization header, the query, or a first auth frame", () =>
    withGateway(async (run) => {
      const viaHeader = await TestClient.connect(run.wsUrl, {
        headers: { authorization: `Bearer ${await mint("alice")}` },
        waitWelcome: false,
      });
      assert.equal((await viaHeader.next("welcome")).user, "alice");
      viaHeader.close();
      const viaQuery = await TestClient.connect(`${run.wsUrl}?token=${await mint("bob")}`, { waitWelcome: false });
      assert.equal((await viaQuery.next("welcome")).user, "bob");
      viaQuery.close();
      const viaFrame = await TestClient.connect(run.wsUrl, { waitWelcome: false });
      viaFrame.send({ type: "auth", token: await mint("carol"), id: "a1" });
      const welcome = await viaFrame.next("welcome");
      assert.equal(welcome.user, "carol");
      viaFrame.close();
    }));

  it("closes 4501 when no auth frame arrives in time, and refuses frames before auth", () =>
    withGateway(async (run) => {
      const c = await TestClient.connect(run.wsUrl, { waitWelcome: false });
      const r = await c.request({ type: "subscribe", topic: "news" });
      assert.equal(r.code, "unauthorized");
      assert.equal(await c.closed, 4501);
    }, QUICK_AUTH));

  it("refuses expired tokens (token_expired, 4005) and not-yet-valid ones (4500)", () =>
    withGateway(async (run) => {
      const expired = await refused(run, await mint("alice", { exp: -60 }));
      assert.deepEqual([expired.code, expired.close], ["token_expired", 4005]);
      const early = await refused(run, await mint("alice", { nbf: 600 }));
      assert.deepEqual([early.code, early.error, early.close], ["unauthorized", "token is not valid yet", 4500]);
    }));

  it("tolerates clock skew within the leeway only", () => {
    // A wide leeway, so that neither side of it depends on how fast this machine is.
    const auth = authConfig() as { jwt: object };
    const config = { ...CONFIG, auth: { ...auth, jwt: { ...auth.jwt, leewaySeconds: 30 } } as never };
    return withGateway(async (run) => {
      const within = await TestClient.connect(`${run.wsUrl}?token=${await mint("alice", { nbf: 10 })}`, {
        waitWelcome: false,
      });
      assert.equal((await within.next("welcome")).user, "alice", "valid 10 s from now: inside the 30 s leeway");
      within.close();
      const past = await refused(run, await mint("alice", { nbf: 90 }));
      assert.deepEqual([past.code, past.error, past.close], ["unauthorized", "token is not valid yet", 4500]);
    }, config);
  });

  it('refuses alg "none"', () =>
    withGateway(async (run) => {
      const r = await refused(run, noneToken("alice"));
      assert.deepEqual([r.code, r.close], ["unauthorized", 4500]);
      assert.match(String(r.error), /algorithm "none" is not accepted/);
    }));

  it("refuses HS256 signed with the RS256 public key (algorithm confusion)", () =>
    withGateway(async (run) => {
      const asSecret = new TextEncoder().encode(RSA.pem);
      for (const kid of ["rs", "hs", null] as const) {
        const r = await refused(run, await mint("alice", { alg: "HS256", kid, key: asSecret }));
        assert.deepEqual([r.code, r.close], ["unauthorized", 4500], `kid ${kid}`);
      }
    }));

  it("refuses a wrong issuer and a wrong audience", () =>
    withGateway(async (run) => {
      const iss = await refused(run, await mint("alice", { iss: "https://evil.test" }));
      assert.deepEqual([iss.error, iss.close], ["token issuer is not accepted", 4500]);
      const aud = await refused(run, await mint("alice", { aud: "someone-else" }));
      assert.deepEqual([aud.error, aud.close], ["token audience is not accepted", 4500]);
    }));

  it("refuses an edited payload and a token signed by an unknown key", () =>
    withGateway(async (run) => {
      const edited = await refused(run, editedToken(await mint("alice"), "admin"));
      assert.deepEqual([edited.error, edited.close], ["token signature is invalid", 4500]);
      const stranger = await refused(run, await mint("alice", { key: STRANGER.privateKey }));
      assert.deepEqual([stranger.error, stranger.close], ["token signature is invalid", 4500]);
    }));

  it("refuses a forged kid, and a kid pointing at a key of another algorithm", () =>
    withGateway(async (run) => {
      const forged = await refused(run, await mint("alice", { kid: "../../etc/passwd", key: STRANGER.privateKey }));
      assert.deepEqual([forged.error, forged.close], ["no key matches the token's key id", 4500]);
      const crossed = await refused(run, await mint("alice", { alg: "ES256", kid: "rs", key: EC.privateKey }));
      assert.deepEqual([crossed.error, crossed.close], ["no key matches the token's key id", 4500]);
    }));

  it("refuses garbage without crashing", () =>
    withGateway(async (run) => {
      for (const t of ["x", "a.b.c", "....", "e30.e30.", `${"A".repeat(8000)}.${"B".repeat(8000)}.C`]) {
        const r = await refused(run, t);
        assert.equal(r.code, "unauthorized");
        assert.equal(r.close, 4500);
      }
      // Over the frame's token limit: a precise bad_request, then the auth timeout.
      const c = await TestClient.connect(run.wsUrl, { waitWelcome: false });
      c.send({ type: "auth", token: "A".repeat(20_000) });
      assert.equal((await c.next("error")).code, "bad_request");
      assert.equal(await c.closed, 4501);
    }, QUICK_AUTH));

  it("asks for refresh before expiry, refuses publishing with an expired token, then closes 4005", () =>
    withGateway(async (run) => {
      const token = await mint("alice", { exp: 1 });
      const expMs = expOf(token) * 1000;
      const c = await TestClient.connect(`${run.wsUrl}?token=${token}`);
      // The refresh is asked `GRACE_MS` before exp, so at once here, and says how long is left.
      const refresh = await c.next("refresh", GRACE_MS + 5000);
      assert.ok(Number(refresh.within) > 0 && Number(refresh.within) <= 1000 + GRACE_MS, `within ${refresh.within}`);
      // Past exp (no leeway on the request path), inside the grace: the publish is refused, nothing is stored.
      await until(expMs);
      assert.equal(c.closeCode, undefined, "still open inside the grace");
      const pub = await c.request({ type: "publish", topic: "chat.room", data: { x: 1 } });
      assert.equal(pub.code, "token_expired");
      const page = await run.gateway.core.engine.broker.history("chat.room", { limit: 10 });
      assert.equal(page.events.length, 0);
      assert.equal(await c.closed, 4005);
    }));

  it("keeps the session when a fresh token for the same user arrives, refuses another user's", () =>
    withGateway(async (run) => {
      const token = await mint("alice", { exp: 1 });
      const expMs = expOf(token) * 1000;
      const c = await TestClient.connect(`${run.wsUrl}?token=${token}`);
      await c.next("refresh", GRACE_MS + 5000);
      const other = await c.request({ type: "refresh", token: await mint("mallory") });
      assert.equal(other.code, "forbidden");
      const ok = await c.request({ type: "refresh", token: await mint("alice") });
      assert.equal(ok.type, "ack");
      // Past the moment the first token's session would have been closed (exp + grace).
      await until(expMs + GRACE_MS + 500);
      assert.equal(c.closeCode, undefined, "the refreshed session outlived its first token");
      const pub = await c.request({ type: "publish", topic: "chat.room", data: { x: 2 } });
      assert.equal(pub.type, "ack");
      c.close();
    }));
});

describe("tokens from a JWKS URL", () => {
  let jwks: Server;
  let fetches = 0;
  let run: Running;

  before(async () => {
    const body = JSON.stringify({ keys: [await rsaJwk("k1")] });
    jwks = createServer((_req, res) => {
      fetches++;
      res.setHeader("content-type", "application/json");
      res.end(body);
    });
    await new Promise<void>((r) => jwks.listen(0, "127.0.0.1", r));
    const port = (jwks.address() as { port: number }).port;
    const auth = authConfig();
    run = await startGateway({
      auth: {
        ...auth,
        jwt: {
          ...(auth as { jwt: object }).jwt,
          keys: [],
          algorithms: ["RS256"],
          jwksUrl: `http://127.0.0.1:${port}/jwks`,
        },
      } as never,
    });
  });
  after(async () => {
    await run.close();
    jwks.close();
  });

  it("verifies with the fetched key, caches it, and refuses unknown kids without refetching each time", async () => {
    for (let i = 0; i < 3; i++) {
      const c = await TestClient.connect(`${run.wsUrl}?token=${await mint("alice", { kid: "k1" })}`);
      c.close();
    }
    assert.equal(fetches, 1);
    for (let i = 0; i < 5; i++) {
      const r = await refused(run, await mint("alice", { kid: `forged-${i}`, key: STRANGER.privateKey }));
      assert.deepEqual([r.code, r.close], ["unauthorized", 4500]);
    }
    assert.ok(fetches <= 2, `forged kids caused ${fetches} JWKS fetches`);
    const hs = await refused(
      run,
      await mint("alice", { alg: "HS256", kid: "k1", key: new TextEncoder().encode(HS_SECRET) }),
    );
    assert.equal(hs.close, 4500);
  });

  it("answers unavailable and a reconnectable 4008 when the JWKS cannot be fetched", async () => {
    const closed = await reservedClosedPort();
    const jwt = { keys: [], algorithms: ["RS256"], jwksUrl: `http://127.0.0.1:${closed}/jwks`, leewaySeconds: 2 };
    const down = await startGateway({
      auth: { ...authConfig(), jwt: { ...jwt, jwksCacheSeconds: 600, jwksCooldownSeconds: 30 } } as never,
    });
    try {
      const r = await refused(down, await mint("alice", { kid: "k1" }));
      assert.deepEqual([r.code, r.close], ["unavailable", 4008]);
    } finally {
      await down.close();
    }
  });
});
