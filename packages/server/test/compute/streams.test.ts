/**
 * Streaming analysis sessions end to end: start → chunks → stop over the HTTP API, progress and
 * the final result watched live over a typed WebSocket endpoint and over Socket.IO, with a
 * gateway restart in the middle (status, running totals and chunk idempotency survive it), the
 * owner-only topic, and the inactivity timeout.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { io, type Socket } from "socket.io-client";
import { mintToken } from "../../src/auth/jwt.js";
import type { HeraldConfigInput } from "../../src/config.js";
import { type Frame, getJson, postJson, type Running, startGateway, TestClient } from "../helpers.js";

const secret = "streams-test-secret-0123456789abcdef";
const dir = mkdtempSync(join(tmpdir(), "herald-streams-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function gateway(file: string, streams: Record<string, unknown> = {}): Promise<Running> {
  return startGateway({
    auth: { jwtSecret: secret },
    store: { path: join(dir, file) },
    streams: { enabled: true, ...streams },
    endpoints: [{ path: "/api/v1/ws/analysis/:streamId", subscribe: ["stream.{streamId}"], envelope: "typed" }],
  } as HeraldConfigInput);
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Something that receives a session's events: a typed WebSocket or a Socket.IO client. */
interface Watcher {
  /** Resolves with the data of the next event of this type. */
  next(updateType: string): Promise<Record<string, unknown>>;
  close(): void;
}

async function typedWs(g: Running, id: string, token: string): Promise<Watcher> {
  const c = await TestClient.connect(`${g.url.replace("http", "ws")}/api/v1/ws/analysis/${id}?token=${token}`, {
    waitWelcome: false,
  });
  const ack = await c.next((f) => f.type === "success" && (f.data as Frame).type === "ack", 5000);
  assert.equal((ack.data as Frame).id, "auto:0");
  return {
    async next(updateType) {
      const f = await c.next((x) => x.type === "update" && x.update_type === updateType, 10_000);
      return (f.data as { data: Record<string, unknown> }).data;
    },
    close: () => c.close(),
  };
}

async function socketIo(g: Running, id: string, token: string): Promise<Watcher> {
  const s: Socket = io(g.url, { reconnection: false, forceNew: true, transports: ["websocket"], auth: { token } });
  const queued: Array<[string, Record<string, unknown>]> = [];
  const waiters: Array<() => void> = [];
  s.onAny((name: string, data: Record<string, unknown>) => {
    queued.push([name, data]);
    for (const w of waiters.splice(0)) w();
  });
  const sub = (await s.emitWithAck("subscribe", { topic: `stream.${id}` })) as { ok: boolean };
  assert.equal(sub.ok, true);
  return {
    async next(name) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const i = queued.findIndex(([n]) => n === name);
        if (i >= 0) return (queued.splice(i, 1)[0] as [string, Record<string, unknown>])[1];
        if (Date.now() > deadline) throw new Error(`timed out waiting for Socket.IO event ${name}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200).unref();
        });
      }
    },
    close: () => s.close(),
  };
}

for (const [transport, watch] of [
  ["a typed WebSocket endpoint", typedWs],
  ["Socket.IO", socketIo],
] as const) {
  describe(`an analysis session watched over ${transport}`, () => {
    it("goes from start to the final result across a gateway restart, chunks idempotent by chunk_id", async () => {
      const file = `${transport.length}-${Date.now()}.db`;
      const alice = await mintToken(secret, "alice");
      const bob = await mintToken(secret, "bob");
      let g = await gateway(file);
      let id: string;
      try {
        const started = await postJson(
          `${g.url}/api/v1/stream/start`,
          { content_type: "text_stream", initial_data: { source: "live_feed" }, user_id: "alice" },
          bearer(alice),
        );
        assert.equal(started.status, 201, JSON.stringify(started.body));
        id = started.body.stream_id as string;
        assert.equal(started.body.topic, `stream.${id}`);
        const w = await watch(g, id, alice);
        const c1 = await postJson(
          `${g.url}/api/v1/stream/chunk/${id}`,
          { text: "I love this, great news", chunk_id: "chunk_0" },
          bearer(alice),
        );
        assert.equal(c1.status, 200, JSON.stringify(c1.body));
        const progress = await w.next("analysis_progress");
        assert.equal(progress.chunk_id, "chunk_0");
        const partial = progress.partial as { sentiment: { score: number; label: string } };
        assert.equal(partial.sentiment.label, "positive");
        assert.ok(partial.sentiment.score > 0 && partial.sentiment.score <= 1);
        // Not bob's: invisible to him, and its topic is closed to him.
        assert.equal((await getJson(`${g.url}/api/v1/stream/status/${id}`, bearer(bob))).status, 404);
        const spy = await TestClient.connect(`${g.wsUrl}?token=${bob}`);
        assert.equal((await spy.request({ type: "subscribe", topic: `stream.${id}` })).code, "forbidden");
        spy.close();
        w.close();
      } finally {
        await g.close();
      }
      g = await gateway(file);
      try {
        const status = await getJson(`${g.url}/api/v1/stream/status/${id}`, bearer(alice));
        assert.deepEqual([status.body.status, status.body.chunks], ["active", 1], "the session survived the restart");
        const w = await watch(g, id, alice);
        const again = await postJson(
          `${g.url}/api/v1/stream/chunk/${id}`,
          { text: "ignored", chunk_id: "chunk_0" },
          bearer(alice),
        );
        assert.deepEqual([again.body.duplicate, again.body.chunks], [true, 1]);
        const c2 = await postJson(
          `${g.url}/api/v1/stream/chunk/${id}`,
          { text: "a terrible, awful fraud", chunk_id: "chunk_1" },
          bearer(alice),
        );
        assert.deepEqual([c2.body.duplicate, c2.body.chunks], [false, 2]);
        assert.equal(
          ((await w.next("analysis_progress")).partial as { sentiment: { label: string } }).sentiment.label,
          "negative",
        );
        const stopped = await postJson(`${g.url}/api/v1/stream/stop/${id}`, {}, bearer(alice));
        assert.equal(stopped.body.status, "completed");
        const final = await w.next("verification_complete");
        const result = final.result as { chunks: number; labels: Record<string, number> };
        assert.equal(result.chunks, 2);
        assert.deepEqual(result.labels, { positive: 1, negative: 1, neutral: 0 });
        const late = await postJson(
          `${g.url}/api/v1/stream/chunk/${id}`,
          { text: "x", chunk_id: "chunk_2" },
          bearer(alice),
        );
        assert.equal(late.body.code, "stream_closed");
        const inbox = await g.gateway.inbox.list("alice", { limit: 10 });
        assert.equal(inbox[0]?.type, "analysis");
        w.close();
      } finally {
        await g.close();
      }
    });
  });
}

describe("analysis session limits", () => {
  it("expires an inactive session with a final result, and refuses sessions past the per-user limit", async () => {
    const g = await gateway("limits.db", { inactivityTimeoutMs: 1000, maxSessionsPerUser: 1 });
    const alice = await mintToken(secret, "alice");
    try {
      const started = await postJson(`${g.url}/api/v1/stream/start`, { content_type: "text" }, bearer(alice));
      const id = started.body.stream_id as string;
      const second = await postJson(`${g.url}/api/v1/stream/start`, { content_type: "text" }, bearer(alice));
      assert.deepEqual([second.status, second.body.code], [429, "quota_exceeded"]);
      const unknown = await postJson(`${g.url}/api/v1/stream/start`, { content_type: "hologram" }, bearer(alice));
      assert.equal(unknown.body.code, "bad_request");
      const w = await typedWs(g, id, alice);
      const final = await w.next("verification_complete");
      assert.equal(final.status, "expired");
      const status = await getJson(`${g.url}/api/v1/stream/status/${id}`, bearer(alice));
      assert.equal(status.body.status, "expired");
      const noToken = await postJson(`${g.url}/api/v1/stream/start`, { content_type: "text" });
      assert.equal(noToken.body.code, "unauthorized");
      w.close();
    } finally {
      await g.close();
    }
  });
});
