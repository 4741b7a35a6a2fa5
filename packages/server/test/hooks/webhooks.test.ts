// Outgoing webhooks against a real local receiver: channel occupied/vacated, presence members
// and user connections, signed, batched, in order; a receiver that is down and comes back gets
// every event once, in order; one that never comes back gets them dead-lettered; two nodes on
// the real Redis send each event once for the cluster, not once per node.
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { mintToken } from "../../src/auth/jwt.js";
import type { HeraldConfigInput } from "../../src/config.js";
import { postJson, type Running, startGateway, TestClient } from "../helpers.js";
import { dropPrefix } from "../integration/redis-helpers.js";
import { authConfig, mint } from "../security/fixtures.js";
import { waitFor } from "../wait-for.js";

const SECRET = "webhook-secret-0123456789";

interface Received {
  id: string;
  name: string;
  topic?: string;
  user?: string;
  client?: string;
  data?: unknown;
  time: number;
}

/** The application's webhook receiver: checks every signature; answers `status` (200 unless told). */
class Receiver {
  readonly events: Received[] = [];
  posts = 0;
  refused = 0;
  badSignatures = 0;
  status = 200;
  private server!: Server;
  url = "";

  async start(): Promise<void> {
    this.server = createServer(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      this.posts++;
      if (this.status !== 200) {
        this.refused++;
        res.writeHead(this.status).end();
        return;
      }
      const ts = String(req.headers["x-herald-timestamp"]);
      const expected = `sha256=${createHmac("sha256", SECRET).update(`${ts}.${body}`).digest("hex")}`;
      if (req.headers["x-herald-signature"] !== expected) this.badSignatures++;
      const { events } = JSON.parse(body) as { events: Received[] };
      assert.equal(req.headers["x-herald-delivery"], events[0]?.id);
      this.events.push(...events);
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/herald-webhooks`;
  }

  about(topic: string): string[] {
    return this.events.filter((e) => e.topic === topic).map((e) => `${e.name}:${e.user ?? e.client ?? ""}`);
  }

  of(user: string): string[] {
    return this.events.filter((e) => e.topic === undefined && e.user === user).map((e) => e.name);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const webhooks = (url: string, extra: Record<string, unknown> = {}) => ({
  url,
  secret: SECRET,
  batchIntervalMs: 30,
  backoffMs: 30,
  maxBackoffMs: 200,
  ...extra,
});
const namespaces = [{ prefix: "room", presence: true }];
const uniq = () => randomUUID().slice(0, 8);

async function connectAs(g: Running, user: string): Promise<TestClient> {
  return TestClient.connect(`${g.wsUrl}?token=${await mint(user)}`);
}

describe("outgoing webhooks, one node", () => {
  const receiver = new Receiver();
  let g: Running;
  before(async () => {
    await receiver.start();
    g = await startGateway({ auth: authConfig({ anonymous: true }), namespaces, webhooks: webhooks(receiver.url) });
  });
  after(async () => {
    await g.close();
    await receiver.close();
  });

  it("tells occupied/vacated, members added/removed and users connected/disconnected, once each, in order", async () => {
    const topic = `room.${uniq()}`;
    const user = `u${uniq()}`;
    const a = await connectAs(g, user);
    const b = await connectAs(g, user); // the same user twice: connected once
    assert.equal((await a.request({ type: "subscribe", topic })).type, "ack");
    assert.equal((await b.request({ type: "subscribe", topic })).type, "ack");
    const anon = await TestClient.connect(g.wsUrl);
    assert.equal((await anon.request({ type: "subscribe", topic })).type, "ack");
    // A pattern is not a channel.
    assert.equal((await anon.request({ type: "subscribe", topic: `${topic}.>` })).type, "ack");
    await waitFor(() => receiver.about(topic).length === 3, { what: "the three up events" });
    assert.equal(receiver.about(topic)[0], "channel_occupied:");
    assert.deepEqual(receiver.about(topic).slice(1, 2), [`member_added:${user}`]);
    assert.match(receiver.about(topic)[2] as string, /^member_added:.+/, "the anonymous member, by connection id");
    assert.deepEqual(receiver.of(user), ["user_connected"]);
    a.close();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(receiver.about(topic).length, 3, "b still holds the channel, the membership and the user");
    b.close();
    anon.close();
    await waitFor(() => receiver.about(topic).length === 6, { what: "the three down events" });
    const downs = receiver.about(topic).slice(3);
    assert.equal(downs.at(-1), "channel_vacated:", "vacated after its members left");
    assert.ok(downs.includes(`member_removed:${user}`));
    await waitFor(() => receiver.of(user).length === 2, { what: "user_disconnected" });
    assert.deepEqual(receiver.of(user), ["user_connected", "user_disconnected"]);
    const ids = receiver.events.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, "each event once");
    assert.equal(receiver.badSignatures, 0, "every batch signed with the secret");
  });

  it("a receiver that is down and comes back gets every event once, in order", async () => {
    const before = receiver.events.length;
    receiver.status = 503;
    const topics = Array.from({ length: 5 }, () => `room.${uniq()}`);
    const c = await TestClient.connect(g.wsUrl);
    for (const topic of topics) assert.equal((await c.request({ type: "subscribe", topic })).type, "ack");
    for (const topic of topics) assert.equal((await c.request({ type: "unsubscribe", topic })).type, "ack");
    await waitFor(() => receiver.refused >= 3, { what: "the receiver refusing retries" });
    receiver.status = 200;
    await waitFor(() => topics.every((t) => receiver.about(t).length === 4), { what: "every event after recovery" });
    for (const topic of topics) {
      const got = receiver.about(topic);
      assert.deepEqual(
        [got[0], got[3]],
        ["channel_occupied:", "channel_vacated:"],
        `${topic}: occupied first, vacated last`,
      );
    }
    const fresh = receiver.events.slice(before);
    assert.equal(new Set(fresh.map((e) => e.id)).size, fresh.length, "none twice");
    c.close();
  });

  it("dead-letters a batch after `attempts` failures and goes on", async () => {
    const dead = new Receiver();
    await dead.start();
    dead.status = 500;
    const h = await startGateway({
      namespaces,
      webhooks: webhooks(dead.url, { attempts: 2, events: ["channel_occupied"] }),
    });
    try {
      const c = await TestClient.connect(h.wsUrl);
      const topic = `room.${uniq()}`;
      assert.equal((await c.request({ type: "subscribe", topic })).type, "ack");
      const letters = h.gateway.pipeline.deadLetters;
      await waitFor(async () => (await letters.count()) === 1, { what: "a dead letter" });
      const [letter] = await letters.list({ limit: 10 });
      assert.ok(letter);
      assert.equal(letter.source, "webhooks");
      assert.equal(letter.code, "webhook_failed");
      assert.equal((letter.request.data as Received).name, "channel_occupied");
      assert.equal(dead.posts, 2);
      c.close();
    } finally {
      await h.close();
      await dead.close();
    }
  });
});

describe("outgoing webhooks: alerts and analysis sessions", () => {
  it("tells alert_firing and stream_started / stream_finished", async () => {
    const receiver = new Receiver();
    await receiver.start();
    const dir = mkdtempSync(join(tmpdir(), "herald-wh-"));
    const jwtSecret = "webhooks-test-secret-0123456789abcdef";
    const g = await startGateway({
      auth: { jwtSecret },
      store: { path: join(dir, "h.db") },
      compute: { enabled: true, graceMs: 50 },
      streams: { enabled: true },
      webhooks: webhooks(receiver.url, { events: ["alert_firing", "stream_started", "stream_finished"] }),
    } as HeraldConfigInput);
    try {
      const created = await postJson(`${g.url}/api/alerts`, {
        id: "viral",
        topic: "posts.>",
        field: "engagement",
        condition: "above",
        threshold: 10_000,
        channel: "opportunities",
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await postJson(`${g.url}/api/publish`, { topic: "posts.1", data: { engagement: 12_000 } });
      const alice = await mintToken(jwtSecret, "alice");
      const auth = { authorization: `Bearer ${alice}` };
      const started = await postJson(`${g.url}/api/v1/stream/start`, { content_type: "text_stream" }, auth);
      assert.equal(started.status, 201, JSON.stringify(started.body));
      const id = started.body.stream_id as string;
      assert.equal((await postJson(`${g.url}/api/v1/stream/stop/${id}`, {}, auth)).status, 200);
      await waitFor(() => receiver.events.length === 3, { what: "the alert and the session's start and end" });
      const [alert, start, end] = receiver.events as [Received, Received, Received];
      assert.deepEqual([alert.name, alert.topic], ["alert_firing", "opportunities"]);
      assert.deepEqual(
        [(alert.data as { rule: string; value: number }).rule, (alert.data as { value: number }).value],
        ["viral", 12_000],
      );
      assert.deepEqual([start.name, start.user, start.topic], ["stream_started", "alice", `stream.${id}`]);
      assert.deepEqual([end.name, (end.data as { status: string }).status], ["stream_finished", "completed"]);
      // Not listed in `events`: no channel or user events although the gateway saw some.
      assert.ok(receiver.events.every((e) => !e.name.startsWith("channel_") && !e.name.startsWith("user_")));
    } finally {
      await g.close();
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("outgoing webhooks, two nodes on Redis", () => {
  it("one delivery per event for the cluster, not per node", async () => {
    const receiver = new Receiver();
    await receiver.start();
    const keyPrefix = `herald-test-wh-${uniq()}`;
    const config = {
      auth: authConfig({ anonymous: true }),
      namespaces,
      engine: { type: "redis" as const, keyPrefix },
      webhooks: webhooks(receiver.url),
    };
    const a = await startGateway(config);
    const b = await startGateway(config);
    try {
      const topic = `room.${uniq()}`;
      const user = `u${uniq()}`;
      const onA = await connectAs(a, user);
      const onB = await connectAs(b, user);
      assert.equal((await onA.request({ type: "subscribe", topic })).type, "ack");
      assert.equal((await onB.request({ type: "subscribe", topic })).type, "ack");
      await waitFor(() => receiver.about(topic).length === 2, { what: "occupied and member added" });
      onA.close();
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(receiver.about(topic), ["channel_occupied:", `member_added:${user}`], "B still holds both");
      onB.close();
      await waitFor(() => receiver.about(topic).length === 4, { what: "vacated and member removed" });
      await waitFor(() => receiver.of(user).length === 2, { what: "user connected and disconnected" });
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(receiver.of(user), ["user_connected", "user_disconnected"], "once for the cluster");
      assert.equal(receiver.about(topic).length, 4);
      const ids = receiver.events.map((e) => e.id);
      assert.equal(new Set(ids).size, ids.length, "no event twice");
    } finally {
      await a.close();
      await b.close();
      await receiver.close();
      await dropPrefix(keyPrefix);
    }
  });
});
