/**
 * Store outages (issue 11, items 1–3): SQLite locked by another process holding
 * `BEGIN EXCLUSIVE`, and a private Postgres cluster stopped and started again. Durable
 * namespaces and the inbox answer `unavailable` (503, nothing accepted) while live namespaces
 * keep working, the event loop never waits for the lock, and the gateway recovers by itself.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { mintToken } from "../../src/auth/jwt.js";
import type { HeraldConfigInput } from "../../src/config.js";
import { PrivatePostgres } from "../faults/private-postgres.js";
import { getJson, postJson, type Running, startGateway, TestClient } from "../helpers.js";
import { waitFor } from "../wait-for.js";

const KEY = "store-outage-test-key-0123456789";
const SECRET = "store-outage-jwt-secret-0123456789abcdef";
const auth = { authorization: `Bearer ${KEY}` };
const as = async (user: string) => ({ authorization: `Bearer ${await mintToken(SECRET, user)}` });

const config = (store: HeraldConfigInput["store"]): HeraldConfigInput => ({
  auth: { apiKeys: [KEY], jwtSecret: SECRET },
  store: { timeoutMs: 1500, retryMaxMs: 200, ...store },
  namespaces: [{ prefix: "dur", durable: true, history: { size: 100, ttlSeconds: 0 } }],
});

/** Another process holding the SQLite database with `BEGIN EXCLUSIVE` until `release`. */
class LockHolder {
  private constructor(private readonly child: ChildProcess) {}

  static async hold(path: string): Promise<LockHolder> {
    const script = `const D = require("better-sqlite3"); const db = new D(${JSON.stringify(path)});
      db.exec("BEGIN EXCLUSIVE"); process.stdout.write("locked\\n");
      process.stdin.on("data", () => { db.exec("COMMIT"); db.close(); process.exit(0); });`;
    const child = spawn(process.execPath, ["-e", script], { stdio: ["pipe", "pipe", "inherit"] });
    const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, "data")) as [Buffer];
    assert.equal(chunk.toString().trim(), "locked");
    return new LockHolder(child);
  }

  async release(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, "exit");
    this.child.stdin?.write("release\n");
    await exited;
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }
}

const inboxPost = (g: Running, user: string) =>
  postJson(`${g.url}/api/users/${user}/notifications`, { title: "t", message: "m" }, auth);

async function readyz(g: Running): Promise<number> {
  return (await fetch(`${g.url}/readyz`)).status;
}

describe("SQLite locked by another process", () => {
  const dir = mkdtempSync(join(tmpdir(), "herald-lock-"));
  const path = join(dir, "herald.db");
  let g: Running;
  let lock: LockHolder | undefined;

  before(async () => {
    g = await startGateway(config({ type: "sqlite", path }));
  });
  after(async () => {
    lock?.kill();
    await g?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("items 1–3: 503 unavailable for inbox and durable publishes, live delivery and the event loop go on, recovery is automatic", async () => {
    const first = await postJson(`${g.url}/api/publish`, { topic: "dur.a", data: 1 }, auth);
    assert.equal(first.status, 200);
    assert.equal((await inboxPost(g, "alice")).status, 201);
    const c = await TestClient.connect(g.wsUrl);
    assert.equal((await c.request({ type: "subscribe", topic: "live.a" })).type, "ack");

    lock = await LockHolder.hold(path);
    // Item 2: while an inbox write waits for the lock, the event loop still answers pings.
    let inboxAnswered = false;
    const pending = inboxPost(g, "alice").then((r) => {
      inboxAnswered = true;
      return r;
    });
    const pong = await c.request({ type: "ping" });
    assert.equal(pong.type, "pong");
    assert.equal(inboxAnswered, false, "the pong came while the inbox write was still waiting for the lock");
    // Item 1: the write is refused as unavailable, not internal.
    const refused = await pending;
    assert.equal(refused.status, 503);
    assert.equal(refused.body.code, "unavailable");
    const list = await fetch(`${g.url}/api/me/notifications`, { headers: await as("alice") });
    assert.ok(list.status === 200 || list.status === 503, `an inbox read answers 200 or 503, got ${list.status}`);

    // Item 3: durable publishes are refused; live ones are accepted and delivered.
    const durable = await postJson(`${g.url}/api/publish`, { topic: "dur.a", data: 2 }, auth);
    assert.equal(durable.status, 503);
    assert.equal(durable.body.code, "unavailable");
    const live = await postJson(`${g.url}/api/publish`, { topic: "live.a", data: "still live" }, auth);
    assert.equal(live.status, 200);
    assert.equal((await c.next("event")).data, "still live");
    assert.equal(await readyz(g), 503);

    await lock.release();
    lock = undefined;
    await waitFor(async () => (await readyz(g)) === 200, { what: "/readyz 200 after the lock was released" });
    const again = await postJson(`${g.url}/api/publish`, { topic: "dur.a", data: 3 }, auth);
    assert.equal(again.status, 200);
    assert.equal(again.body.seq, 2, "no seq was used by the refused publish");
    assert.equal((await inboxPost(g, "alice")).status, 201);
    const history = await getJson(`${g.url}/api/topics/dur.a/history`, auth);
    assert.deepEqual(
      (history.body.events as Array<{ data: unknown }>).map((e) => e.data),
      [1, 3],
    );
    c.close();
  });
});

describe("Postgres stopped and started again", () => {
  const pg = new PrivatePostgres();
  let g: Running;

  before(async () => {
    await pg.create();
    g = await startGateway(config({ type: "postgres", url: pg.url, schema: `h_${randomUUID().slice(0, 8)}` }));
  });
  after(async () => {
    await g?.close();
    await pg.destroy();
  });

  it("items 1 and 3: 503 unavailable while stopped, live publishes go on, /readyz and durable publishes recover", async () => {
    assert.equal((await postJson(`${g.url}/api/publish`, { topic: "dur.p", data: 1 }, auth)).status, 200);
    assert.equal((await inboxPost(g, "bob")).status, 201);

    await pg.stop();
    const write = await inboxPost(g, "bob");
    assert.equal(write.status, 503);
    assert.equal(write.body.code, "unavailable");
    const read = await getJson(`${g.url}/api/me/notifications`, await as("bob"));
    assert.equal(read.status, 503);
    assert.equal(read.body.code, "unavailable");
    const durable = await postJson(`${g.url}/api/publish`, { topic: "dur.p", data: 2 }, auth);
    assert.equal(durable.status, 503);
    assert.equal(durable.body.code, "unavailable");
    assert.equal((await postJson(`${g.url}/api/publish`, { topic: "live.p", data: 1 }, auth)).status, 200);
    assert.equal(await readyz(g), 503);

    await pg.start();
    await waitFor(async () => (await readyz(g)) === 200, {
      what: "/readyz 200 after Postgres is back",
      timeout: 15_000,
    });
    const again = await postJson(`${g.url}/api/publish`, { topic: "dur.p", data: 3 }, auth);
    assert.equal(again.status, 200);
    assert.equal(again.body.seq, 2);
    assert.equal((await inboxPost(g, "bob")).status, 201);
  });
});
