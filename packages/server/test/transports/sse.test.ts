// SSE specifics on the raw wire: headers, heartbeats, auth, Last-Event-ID answers (garbage,
// negative, foreign, stale), resuming from the `ready` position, slow consumers.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { describe, it } from "node:test";
import { mintToken } from "../../src/auth/jwt.js";
import { encodeCursor, fingerprint } from "../../src/transport/sse-cursor.js";
import { type Running, sleep, startGateway } from "../helpers.js";

const secret = "sse-test-secret-0123456789abcdef0123";

interface SseMessage {
  id?: string;
  event: string;
  data: string;
  comment?: boolean;
}

/** A raw SSE reader over fetch: parses the stream into messages (and comment lines). */
class RawSse {
  readonly messages: SseMessage[] = [];
  private buf = "";
  private done = false;
  private readonly abort = new AbortController();

  private constructor(readonly res: Response) {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<RawSse> {
    const ctl = new AbortController();
    const res = await fetch(url, { headers, signal: ctl.signal });
    const s = new RawSse(res);
    (s as unknown as { abort: AbortController }).abort = ctl;
    if (res.ok) void s.pump();
    return s;
  }

  private async pump(): Promise<void> {
    const reader = (this.res.body as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.buf += dec.decode(value, { stream: true });
        let i = this.buf.indexOf("\n\n");
        while (i >= 0) {
          const block = this.buf.slice(0, i);
          this.buf = this.buf.slice(i + 2);
          const m: SseMessage = { event: "message", data: "" };
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) m.comment = true;
            else if (line.startsWith("id: ")) m.id = line.slice(4);
            else if (line.startsWith("event: ")) m.event = line.slice(7);
            else if (line.startsWith("data: ")) m.data = line.slice(6);
            else if (line.startsWith("retry: ")) m.event = "retry";
          }
          this.messages.push(m);
          i = this.buf.indexOf("\n\n");
        }
      }
    } catch {
      // aborted
    }
    this.done = true;
  }

  async next(pred: (m: SseMessage) => boolean, timeoutMs = 15_000): Promise<SseMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.messages.findIndex(pred);
      if (i >= 0) return this.messages.splice(i, 1)[0] as SseMessage;
      if (this.done) throw new Error(`stream ended; queued ${JSON.stringify(this.messages)}`);
      if (Date.now() > deadline) throw new Error(`timed out; queued ${JSON.stringify(this.messages)}`);
      await sleep(5);
    }
  }

  /** Takes the event messages received so far (not control events). */
  events(): Array<{ topic: string; seq: number; data: unknown }> {
    const taken = this.messages.filter((m) => m.id !== undefined && m.event !== "ready");
    for (const m of taken) this.messages.splice(this.messages.indexOf(m), 1);
    return taken.map((m) => JSON.parse(m.data) as { topic: string; seq: number; data: unknown });
  }

  close(): void {
    this.abort.abort();
  }
}

const url = (g: Running, topics: string[], extra = "") =>
  `${g.url}/sse?${topics.map((t) => `topic=${encodeURIComponent(t)}`).join("&")}${extra}`;

describe("SSE transport", () => {
  it("streams text/event-stream with retry, heartbeat comments, and ids on every event", async () => {
    const g = await startGateway({ timeouts: { heartbeatMs: 100 }, sse: { retryMs: 1234 } });
    const s = await RawSse.open(url(g, ["news", "news.>"]));
    try {
      assert.equal(s.res.status, 200);
      assert.match(s.res.headers.get("content-type") ?? "", /^text\/event-stream/);
      assert.equal(s.res.headers.get("cache-control"), "no-cache, no-transform");
      assert.equal((await s.next((m) => m.event === "retry")).event, "retry");
      const ready = await s.next((m) => m.event === "ready");
      assert.deepEqual(JSON.parse(ready.data).topics, ["news", "news.>", "broadcast"]);
      await g.gateway.publish("news", { n: 1 }, { event: "headline" });
      const ev = await s.next((m) => m.event === "headline");
      assert.ok(ev.id?.startsWith("h1;"));
      assert.deepEqual(JSON.parse(ev.data).data, { n: 1 });
      assert.ok(await s.next((m) => m.comment === true));
    } finally {
      s.close();
      await g.close();
    }
  });

  it("authenticates by header or ?token= and refuses missing or bad tokens with 401", async () => {
    const g = await startGateway({ auth: { anonymous: false, jwtSecret: secret } });
    const token = await mintToken(secret, "alice");
    try {
      for (const [extra, headers] of [
        ["", { authorization: `Bearer ${token}` }],
        [`&token=${token}`, {}],
      ] as const) {
        const s = await RawSse.open(url(g, ["x"], extra), headers);
        const ready = JSON.parse((await s.next((m) => m.event === "ready")).data) as { topics: string[] };
        assert.deepEqual(ready.topics, ["x", "broadcast", "user.alice"]);
        s.close();
      }
      const none = await fetch(url(g, ["x"]));
      assert.deepEqual([none.status, ((await none.json()) as { code: string }).code], [401, "unauthorized"]);
      const bad = await fetch(url(g, ["x"], "&token=nope"));
      assert.deepEqual([bad.status, ((await bad.json()) as { code: string }).code], [401, "unauthorized"]);
      const forbidden = await fetch(url(g, ["user.bob"], `&token=${token}`));
      assert.deepEqual([forbidden.status, ((await forbidden.json()) as { code: string }).code], [403, "forbidden"]);
      const noTopic = await fetch(`${g.url}/sse?token=${token}`);
      assert.deepEqual([noTopic.status, ((await noTopic.json()) as { code: string }).code], [400, "bad_request"]);
    } finally {
      await g.close();
    }
  });

  it("answers garbage, negative and foreign Last-Event-IDs with 400 invalid_position", async () => {
    const g = await startGateway();
    try {
      const fp = fingerprint(["a", "broadcast"]);
      for (const id of [
        "garbage",
        `h1;${fp};e,-1;e,0`,
        `h1;${fp};e,1`,
        `h1;${fingerprint(["b", "broadcast"])};e,1;e,1`,
      ]) {
        const res = await fetch(url(g, ["a"]), { headers: { "last-event-id": id } });
        const body = (await res.json()) as { code: string; error: string };
        assert.equal(res.status, 400, id);
        assert.equal(body.code, "invalid_position", id);
      }
    } finally {
      await g.close();
    }
  });

  it("resumes exactly from any id, and sends a reset (not a partial history) for a stale one", async () => {
    const g = await startGateway({ namespaces: [{ prefix: "short", history: { size: 2, ttlSeconds: 300 } }] });
    try {
      const first = await RawSse.open(url(g, ["keep", "short.t", "feed.>"]));
      const ready = await first.next((m) => m.event === "ready");
      first.close();
      // Cut off before the first event: the `ready` id still resumes everything exactly.
      for (let i = 1; i <= 3; i++) await g.gateway.publish("keep", i);
      for (let i = 1; i <= 5; i++) await g.gateway.publish("short.t", i); // only 2 kept
      await g.gateway.publish("feed.new", "f");
      const again = await RawSse.open(url(g, ["keep", "short.t", "feed.>"]), { "last-event-id": ready.id as string });
      const reset = await again.next((m) => m.event === "reset");
      assert.deepEqual(JSON.parse(reset.data).topic, "short.t");
      const ready2 = JSON.parse((await again.next((m) => m.event === "ready")).data) as { resumed: boolean };
      assert.equal(ready2.resumed, true);
      const got = again.events();
      assert.deepEqual(
        got.map((e) => [e.topic, e.data]),
        [
          ["keep", 1],
          ["keep", 2],
          ["keep", 3],
          ["feed.new", "f"],
        ],
      );
      // Live continues; the last id now resumes with nothing missing and nothing repeated.
      await g.gateway.publish("short.t", 6);
      const live = await again.next((m) => m.id !== undefined && m.event === "message");
      assert.equal(JSON.parse(live.data).seq, 6);
      again.close();
      const third = await RawSse.open(url(g, ["keep", "short.t", "feed.>"]), { "last-event-id": live.id as string });
      const r3 = await third.next((m) => m.event === "ready");
      assert.equal(third.events().length, 0);
      assert.equal(
        third.messages.some((m) => m.event === "reset"),
        false,
      );
      assert.ok(r3.id);
      third.close();
      // A position from the future (or another epoch) is stale too: reset, never made-up history.
      const fp = fingerprint(["keep", "broadcast"]);
      const future = await RawSse.open(url(g, ["keep"]), {
        "last-event-id": encodeCursor(fp, [{ epoch: "nope", n: 1 }, undefined]),
      });
      assert.equal(JSON.parse((await future.next((m) => m.event === "reset")).data).topic, "keep");
      await future.next((m) => m.event === "ready");
      assert.equal(future.events().length, 0);
      future.close();
      const keepEpoch = (await g.gateway.core.engine.broker.position("keep")).epoch;
      const ahead = await RawSse.open(url(g, ["keep"]), {
        "last-event-id": encodeCursor(fp, [{ epoch: keepEpoch, n: 99 }, undefined]),
      });
      assert.equal(JSON.parse((await ahead.next((m) => m.event === "reset")).data).seq, 3);
      await ahead.next((m) => m.event === "ready");
      await g.gateway.publish("keep", 4);
      const after = await ahead.next((m) => m.id !== undefined && m.event === "message");
      assert.equal(JSON.parse(after.data).seq, 4);
      // Its id now carries the real position (4), not the bogus one it came with.
      assert.match(after.id as string, new RegExp(`;${keepEpoch},4;`));
      ahead.close();
    } finally {
      await g.close();
    }
  });

  it("closes a client that stops reading as a slow consumer (4002)", async () => {
    const g = await startGateway({ limits: { maxOutboundBytes: 65_536 } });
    const conns = (): number | undefined => g.gateway.transports.sse?.connections;
    const port = new URL(g.url).port;
    const sock = connect(Number(port), "127.0.0.1");
    try {
      await new Promise((r) => sock.once("connect", r));
      sock.write(`GET /sse?topic=bulk HTTP/1.1\r\nHost: x\r\n\r\n`);
      sock.pause(); // never read again
      for (let i = 0; i < 50 && conns() !== 1; i++) await sleep(10);
      assert.equal(conns(), 1);
      const big = "x".repeat(65_536);
      for (let i = 0; i < 400 && conns() === 1; i++) {
        await g.gateway.publish("bulk", big);
        if (i % 20 === 0) await sleep(5);
      }
      assert.equal(conns(), 0);
      const metric = await g.gateway.core.metrics.disconnects.get();
      assert.equal(metric.values.find((v) => v.labels.code === "4002")?.value, 1);
    } finally {
      sock.destroy();
      await g.close();
    }
  });
});
