// The API-key routes also take an admin user's token (the dashboard never holds the key): an
// admin token passes, another user's token is 403, a bad one 401; and the operator routes the
// dashboard's views read: per-stage pipeline counters and the active analysis sessions.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { mintToken } from "../../src/auth/jwt.js";
import { getJson, postJson, type Running, startGateway } from "../helpers.js";

const SECRET = "admin-token-routes-secret-0123456789";
const KEY = "admin-token-routes-api-key-0123456789";
const dir = mkdtempSync(join(tmpdir(), "herald-admin-routes-"));
let g: Running;
let admin: string;
let user: string;

before(async () => {
  g = await startGateway({
    auth: { jwtSecret: SECRET, apiKeys: [KEY] },
    store: { path: join(dir, "herald.db") },
    namespaces: [
      {
        prefix: "orders",
        pipeline: [
          {
            stage: "validate",
            schemas: { "orders.>": { type: "object", required: ["total"], properties: { total: { type: "number" } } } },
          },
          { stage: "enrich", use: "lookup", field: "region", table: { eu: { vat: 0.2 } }, target: "tax", fallback: {} },
        ],
      },
    ],
    streams: { enabled: true },
  });
  admin = await mintToken(SECRET, "ops", { claims: { roles: ["admin"] } });
  user = await mintToken(SECRET, "alice", { claims: { roles: ["analyst"] } });
});
after(async () => {
  await g.close();
  rmSync(dir, { recursive: true, force: true });
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("admin tokens on the API-key routes", () => {
  it("admits the API key and an admin token; refuses another user's token (403) and a bad one (401)", async () => {
    assert.equal((await getJson(`${g.url}/api/pipeline`, { "x-api-key": KEY })).status, 200);
    assert.equal((await getJson(`${g.url}/api/pipeline`, bearer(admin))).status, 200);
    const other = await getJson(`${g.url}/api/pipeline`, bearer(user));
    assert.deepEqual([other.status, other.body.code], [403, "forbidden"]);
    const forged = await mintToken("another-secret-of-32-characters-000", "ops", { claims: { roles: ["admin"] } });
    const bad = await getJson(`${g.url}/api/pipeline`, bearer(forged));
    assert.deepEqual([bad.status, bad.body.code], [401, "unauthorized"]);
    assert.equal((await getJson(`${g.url}/api/pipeline`)).status, 401);
    // Publishing with an admin token works like the key (every guarded route takes it).
    const r = await postJson(`${g.url}/api/publish`, { topic: "misc.a", data: 1 }, bearer(admin));
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });

  it("GET /api/pipeline counts each configured stage's passed and refused events by code", async () => {
    for (const data of [{ total: 1, region: "eu" }, { total: 2 }, { total: "x" }, {}]) {
      await postJson(`${g.url}/api/publish`, { topic: "orders.new", data }, { "x-api-key": KEY });
    }
    const r = await getJson(`${g.url}/api/pipeline`, bearer(admin));
    assert.deepEqual(r.body.stages, [
      { namespace: "orders", index: 0, stage: "validate", passed: 2, refused: 2, codes: { invalid_event: 2 } },
      { namespace: "orders", index: 1, stage: "enrich", passed: 2, refused: 0, codes: {} },
    ]);
    const metrics = await (await fetch(`${g.url}/metrics`)).text();
    assert.match(
      metrics,
      /herald_pipeline_stage_total\{namespace="orders",stage="validate",outcome="refused",code="invalid_event"\} 2/,
    );
  });

  it("lists the analysis sessions active on this node for operators only", async () => {
    const started = await postJson(`${g.url}/api/v1/stream/start`, { content_type: "text" }, bearer(user));
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const list = await getJson(`${g.url}/api/v1/stream/sessions`, bearer(admin));
    assert.equal(list.status, 200);
    const sessions = list.body.sessions as Array<{ stream_id: string; owner: string; status: string }>;
    assert.deepEqual(
      sessions.map((s) => [s.stream_id, s.owner, s.status]),
      [[started.body.stream_id, "alice", "active"]],
    );
    assert.equal((await getJson(`${g.url}/api/v1/stream/sessions`, bearer(user))).status, 403);
  });
});
