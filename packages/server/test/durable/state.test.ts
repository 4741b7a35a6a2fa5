/**
 * State topics through the real gateway: two writers patch one topic concurrently; every
 * subscriber and the HTTP snapshot converge to the same document; a late subscriber's
 * snapshot plus the deltas after it equals a full replay; the document survives a restart.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { HeraldConfigInput } from "../../src/config.js";
import { applyDelta, type StateDelta, type StateDocument } from "../../src/state/document.js";
import { getJson, postJson, startGateway, TestClient } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "herald-state-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const config = (file: string): HeraldConfigInput => ({
  store: { path: join(dir, file), snapshotEvery: 7 },
  namespaces: [{ prefix: "board", durable: true, state: true, history: { size: 1000, ttlSeconds: 0 } }],
});

function replay(
  events: ReadonlyArray<Record<string, unknown>>,
  from: StateDocument = { state: {}, clocks: {} },
): StateDocument {
  const doc = structuredClone(from);
  for (const e of events) applyDelta(doc, e.data as StateDelta);
  return doc;
}

describe("state topics", () => {
  it("converges with two concurrent writers; late snapshot + deltas equals a full replay", async () => {
    const g = await startGateway(config("converge.db"));
    try {
      const early = await TestClient.connect(g.wsUrl);
      const ack0 = await early.request({ type: "subscribe", topic: "board.1" });
      assert.deepEqual([ack0.seq, ack0.state], [0, {}]);
      const writerWs = await TestClient.connect(g.wsUrl);
      const N = 60;
      // Two writers at once: one over WebSocket, one over HTTP, both patching shared keys.
      const writes = (from: number, to: number) =>
        Array.from({ length: to - from }, (_, j) => {
          const i = from + j;
          return [
            writerWs.request({
              type: "publish",
              topic: "board.1",
              data: { [`k${i % 5}`]: { by: "ws", i }, shared: { ws: i }, gone: i === N - 1 ? null : i },
            }),
            postJson(`${g.url}/api/publish`, {
              topic: "board.1",
              data: { [`k${i % 5}`]: { by: "http", i }, shared: { http: i } },
            }),
          ];
        }).flat();
      await Promise.all(writes(0, N / 2));
      // The late subscriber arrives while the second half is being written.
      const second = Promise.all(writes(N / 2, N));
      const late = await TestClient.connect(g.wsUrl);
      const lateAck = await late.request({ type: "subscribe", topic: "board.1" });
      for (const a of await second) assert.ok("type" in a ? a.type === "ack" : a.status === 200);
      const all = await early.events(2 * N);
      const full = replay(all);
      const lateSeq = lateAck.seq as number;
      assert.ok(lateSeq >= N && lateSeq <= 2 * N);
      const lateDeltas = await late.events(2 * N - lateSeq);
      assert.deepEqual(
        lateDeltas.map((e) => e.seq),
        Array.from({ length: 2 * N - lateSeq }, (_, i) => lateSeq + i + 1),
        "deltas continue right after the snapshot",
      );
      const fromSnapshot = replay(lateDeltas, {
        state: lateAck.state as Record<string, unknown>,
        clocks: lateAck.clocks as Record<string, string>,
      });
      assert.deepEqual(fromSnapshot, full);
      assert.deepEqual(Object.keys(full.state).sort(), ["k0", "k1", "k2", "k3", "k4", "shared"]);
      assert.deepEqual(full.state.shared, { ws: N - 1, http: N - 1 }, "merge patch merges nested members");

      const http = await getJson(`${g.url}/api/topics/board.1/state`);
      assert.equal(http.status, 200);
      assert.equal(http.body.seq, 2 * N);
      assert.deepEqual(http.body.state, full.state);

      const bad = await postJson(`${g.url}/api/publish`, { topic: "board.1", data: [1, 2] });
      assert.deepEqual([bad.status, bad.body.code], [400, "bad_request"]);
      const notState = await getJson(`${g.url}/api/topics/other.topic/state`);
      assert.deepEqual([notState.status, notState.body.code], [404, "not_found"]);
      for (const c of [early, writerWs, late]) c.close();
    } finally {
      await g.close();
    }
  });

  it("rebuilds the document from its checkpoint after a restart", async () => {
    let g = await startGateway(config("restart.db"));
    const writes = 23;
    try {
      for (let i = 0; i < writes; i++) {
        await postJson(`${g.url}/api/publish`, { topic: "board.r", data: { [`k${i % 4}`]: i, count: i } });
      }
    } finally {
      await g.close();
    }
    // Closing checkpointed the document after event 23. Turn that checkpoint back into the one
    // after event 21 (values and clocks of k1, k2 and count as they were then) and mark it: only
    // a rebuild that starts from the checkpoint carries the mark, and only one that replays
    // events 22 and 23 on top of it has their values. A full replay, or the checkpoint alone, fails.
    const db = new Database(join(dir, "restart.db"));
    try {
      const snap = db.prepare("SELECT seq FROM herald_snapshots WHERE topic = ?").get("board.r") as { seq: number };
      assert.equal(snap.seq, writes, "closing checkpointed every event");
      db.prepare(
        `UPDATE herald_snapshots SET seq = 21,
           state = json_set(state, '$.k1', 17, '$.k2', 18, '$.count', 20, '$.fromCheckpoint', 1),
           clocks = json_remove(clocks, '$.k1', '$.k2', '$.count')
         WHERE topic = ?`,
      ).run("board.r");
    } finally {
      db.close();
    }
    const before = { k0: 20, k1: 21, k2: 22, k3: 19, count: 22, fromCheckpoint: 1 };
    g = await startGateway(config("restart.db"));
    try {
      const http = await getJson(`${g.url}/api/topics/board.r/state`);
      assert.deepEqual([http.body.seq, http.body.state], [writes, before]);
      const c = await TestClient.connect(g.wsUrl);
      const ack = await c.request({ type: "subscribe", topic: "board.r" });
      assert.deepEqual([ack.seq, ack.state], [writes, before]);
      await postJson(`${g.url}/api/publish`, { topic: "board.r", data: { count: null } });
      const [delta] = await c.events(1);
      assert.equal(delta?.seq, writes + 1);
      assert.deepEqual((await getJson(`${g.url}/api/topics/board.r/state`)).body.state, {
        k0: 20,
        k1: 21,
        k2: 22,
        k3: 19,
        fromCheckpoint: 1,
      });
      c.close();
    } finally {
      await g.close();
    }
  });
});
