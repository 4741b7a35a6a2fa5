// The native transport frames an event once and writes the same bytes to every socket. These
// check the frame at each length encoding (7-bit, 16-bit, 64-bit) through a real `ws` client,
// interleaved with control frames that still go through `ws` itself, so order is kept.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { textFrame } from "../src/transport/ws.js";
import { startGateway, TestClient } from "./helpers.js";
import { waitFor } from "./wait-for.js";

describe("pre-framed events", () => {
  it("frames with the right header for each payload length", () => {
    const small = textFrame(Buffer.from("hi"));
    assert.deepEqual([...small], [0x81, 2, 0x68, 0x69]);
    const mid = textFrame(Buffer.alloc(300, 0x61));
    assert.equal(mid[1], 126);
    assert.equal(mid.readUInt16BE(2), 300);
    assert.equal(mid.length, 304);
    const big = textFrame(Buffer.alloc(70_000, 0x61));
    assert.equal(big[1], 127);
    assert.equal(Number(big.readBigUInt64BE(2)), 70_000);
    assert.equal(big.length, 70_010);
  });

  it("delivers events of every size to several clients, in order with control frames", async () => {
    const g = await startGateway();
    const clients: TestClient[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const c = await TestClient.connect(g.wsUrl);
        clients.push(c);
        const ack = await c.request({ type: "subscribe", topic: "frames.test" });
        assert.equal(ack.type, "ack");
      }
      const sizes = [1, 100, 125, 126, 500, 65_535, 65_536, 70_000];
      // Event, then a ping answered through `ws` after it: the two kinds of writes interleave.
      for (const size of sizes) {
        await g.gateway.publish("frames.test", { s: "x".repeat(size) });
        for (const c of clients) c.send({ type: "ping", id: `p${size}` });
        for (const c of clients)
          await waitFor(() => c.frames.some((f) => f.id === `p${size}`), { what: `pong p${size}` });
      }
      // Each client's frames, in arrival order: every event, then the pong to the ping sent after
      // it was published — the pre-framed bytes never overtake or fall behind `ws`'s own frames.
      const expected = sizes.flatMap((size) => [`event:${size}`, `pong:p${size}`]);
      for (const c of clients) {
        await waitFor(() => c.frames.length >= expected.length, { what: `${expected.length} frames at a client` });
        const seen = c.frames.map((f) =>
          f.type === "event" ? `event:${(f.data as { s: string }).s.length}` : `${f.type}:${String(f.id)}`,
        );
        assert.deepEqual(seen, expected);
      }
    } finally {
      for (const c of clients) c.close();
      await g.close();
    }
  });
});
