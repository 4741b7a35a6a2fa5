/** Analysis sessions without a gateway: crash recovery of a recorded chunk, expiry with an injected clock, limits. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HeraldEvent } from "@herald/protocol";
import { STREAMS_DEFAULTS } from "../compute/compute-config.js";
import { MemoryComputeStore } from "../compute/compute-store-memory.js";
import type { Clock, ComputeContext } from "../compute/context.js";
import type { PublishRequest } from "../engine/broker.js";
import { createLogger } from "../log.js";
import { type StreamSession, StreamSessions } from "./sessions.js";

class FakeClock implements Clock {
  t = 1_000_000;
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  now(): number {
    return this.t;
  }
  after(ms: number, fn: () => void) {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.live = false;
      },
    };
  }
  advance(ms: number): void {
    this.t += ms;
    for (const x of this.timers.filter((y) => y.live && y.at <= this.t)) {
      x.live = false;
      x.fn();
    }
  }
}

function harness(store = new MemoryComputeStore(), clock = new FakeClock()) {
  const published: PublishRequest[] = [];
  const notified: string[] = [];
  const ctx: ComputeContext = {
    subscribe: () => {},
    unsubscribe: () => {},
    publish: async (r) => {
      published.push(r);
      return { event: r as unknown as HeraldEvent, duplicate: false };
    },
    emits: () => true,
    isState: () => false,
    store,
    clock,
    log: createLogger("silent"),
  };
  const sessions = new StreamSessions(
    { ...STREAMS_DEFAULTS, enabled: true, inactivityTimeoutMs: 60_000 },
    ctx,
    async (u) => {
      notified.push(u);
    },
  );
  return { sessions, store, clock, published, notified };
}

/** Resolves once queued promise callbacks ran (the expiry timer starts async work). */
const settle = () => new Promise((r) => setImmediate(r));

describe("StreamSessions", () => {
  it("adopts a chunk that was recorded but not counted before a crash", async () => {
    const a = harness();
    await a.sessions.start();
    const s = await a.sessions.open("alice", "text", {});
    const before = structuredClone(await a.store.get<StreamSession>("stream", s.stream_id));
    await a.sessions.chunk("alice", s.stream_id, { text: "good", chunk_id: "c1" });
    await a.store.put("stream", s.stream_id, before); // the session write "did not happen"
    const b = harness(a.store, a.clock);
    await b.sessions.start();
    const status = await b.sessions.status("alice", s.stream_id);
    assert.equal(status.chunks, 1);
    const again = await b.sessions.chunk("alice", s.stream_id, { text: "good", chunk_id: "c1" });
    assert.equal(again.duplicate, true);
  });

  it("expires after the inactivity timeout, counted from the last chunk, and tells the owner", async () => {
    const h = harness();
    await h.sessions.start();
    const s = await h.sessions.open("alice", "text", {});
    h.clock.advance(50_000);
    await h.sessions.chunk("alice", s.stream_id, { text: "fine", chunk_id: "c1" });
    h.clock.advance(59_000);
    await settle();
    assert.equal((await h.sessions.status("alice", s.stream_id)).status, "active");
    h.clock.advance(1_000);
    for (let i = 0; i < 10 && (await h.sessions.status("alice", s.stream_id)).status === "active"; i++) await settle();
    assert.equal((await h.sessions.status("alice", s.stream_id)).status, "expired");
    assert.deepEqual(h.notified, ["alice"]);
    assert.equal(h.published.at(-1)?.event, "verification_complete");
  });

  it("does not expire a session that another node kept active (a newer stored update)", async () => {
    const h = harness();
    await h.sessions.start();
    const s = await h.sessions.open("alice", "text", {});
    const stored = (await h.store.get<StreamSession>("stream", s.stream_id)) as StreamSession;
    h.clock.advance(30_000);
    await h.store.put("stream", s.stream_id, { ...stored, updated_at: h.clock.now(), chunks: 1 });
    h.clock.advance(30_000);
    for (let i = 0; i < 5; i++) await settle();
    assert.equal((await h.sessions.status("alice", s.stream_id)).status, "active");
  });

  it("refuses chunks that are too large or past the limit, and hides other users' sessions", async () => {
    const h = harness();
    await h.sessions.start();
    const s = await h.sessions.open("alice", "text", {});
    await assert.rejects(h.sessions.chunk("alice", s.stream_id, { text: "x".repeat(1_048_577) }), {
      code: "payload_too_large",
    });
    await assert.rejects(h.sessions.status("bob", s.stream_id), { code: "not_found" });
    await assert.rejects(h.sessions.chunk("alice", s.stream_id, { nope: 1 }), { code: "bad_request" });
  });
});
