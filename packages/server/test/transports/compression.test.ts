// permessage-deflate, opt-in per endpoint (docs/configuration.md, `compression`): off by
// default; on, events arrive intact and smaller on the wire (compressed once per event and
// shared by every socket), small messages stay uncompressed, and the limits hold: a deflate
// bomb and a flood of fragments past maxFrameBytes are closed with 1009.
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { type Running, startGateway } from "../helpers.js";

interface Conn {
  ws: WebSocket;
  frames: Array<Record<string, unknown>>;
  bytesRead(): number;
}

async function open(url: string, deflate = true): Promise<Conn> {
  const ws = new WebSocket(url, { perMessageDeflate: deflate });
  const frames: Array<Record<string, unknown>> = [];
  ws.on("message", (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
  await once(ws, "open");
  const socket = (ws as unknown as { _socket: { bytesRead: number } })._socket;
  return { ws, frames, bytesRead: () => socket.bytesRead };
}

async function until(
  c: Conn,
  pred: (f: Record<string, unknown>) => boolean,
  what: string,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const f = c.frames.find(pred);
    if (f !== undefined) return f;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const closeCode = (ws: WebSocket) => new Promise<number>((r) => ws.once("close", (code) => r(code)));

/** A sentiment-dashboard-like aggregate: repetitive JSON, as real payloads are. */
function payload(i: number) {
  return {
    i,
    platforms: Array.from({ length: 40 }, (_, k) => ({
      platform: ["twitter", "reddit", "news", "facebook"][k % 4],
      politician_id: `pol-${k % 7}`,
      sentiment: { positive: 0.41, negative: 0.22, neutral: 0.37 },
      volume: 1000 + k,
    })),
  };
}

describe("permessage-deflate", () => {
  let plain: Running;
  let deflating: Running;
  before(async () => {
    plain = await startGateway({});
    deflating = await startGateway({
      server: { compression: true },
      compression: { threshold: 256 },
      limits: { maxFrameBytes: 65_536 },
      endpoints: [
        { path: "/live/:room", subscribe: ["room.{room}"], compression: true },
        { path: "/raw/:room", subscribe: ["room.{room}"] },
      ],
    });
  });
  after(async () => {
    await plain.close();
    await deflating.close();
  });

  it("is off by default: no extension is negotiated even when the client offers it", async () => {
    const c = await open(plain.wsUrl);
    assert.equal(c.ws.extensions, "");
    c.ws.close();
  });

  it("on: events arrive intact, several sockets share them, and the wire carries a fraction of the bytes", async () => {
    const a = await open(deflating.wsUrl);
    const b = await open(deflating.wsUrl);
    const off = await open(deflating.wsUrl, false); // a client that does not offer it
    assert.match(a.ws.extensions, /permessage-deflate/);
    assert.equal(off.ws.extensions, "");
    for (const c of [a, b, off]) {
      await until(c, (f) => f.type === "welcome", "welcome");
      c.ws.send(JSON.stringify({ type: "subscribe", id: "s", topic: "agg.live" }));
      await until(c, (f) => f.id === "s", "subscribe ack");
    }
    const before = [a.bytesRead(), off.bytesRead()];
    for (let i = 0; i < 20; i++) await deflating.gateway.publish("agg.live", payload(i));
    await deflating.gateway.publish("agg.live", { small: true }); // under the threshold: sent as is
    for (const c of [a, b, off]) {
      await until(c, (f) => f.type === "event" && (f.data as { small?: boolean }).small === true, "the last event");
      const events = c.frames.filter((f) => f.type === "event");
      assert.equal(events.length, 21);
      assert.deepEqual(events[7]?.data, payload(7), "decompressed exactly");
      assert.deepEqual(
        events.map((e) => e.seq),
        Array.from({ length: 21 }, (_, i) => i + 1),
      );
    }
    const compressed = a.bytesRead() - (before[0] as number);
    const uncompressed = off.bytesRead() - (before[1] as number);
    assert.ok(compressed * 4 < uncompressed, `compressed ${compressed} bytes vs ${uncompressed} uncompressed`);
    for (const c of [a, b, off]) c.ws.close();
  });

  it("a configured endpoint offers it only when its entry says so", async () => {
    const live = await open(deflating.url.replace("http", "ws") + "/live/x");
    const raw = await open(deflating.url.replace("http", "ws") + "/raw/x");
    assert.match(live.ws.extensions, /permessage-deflate/);
    assert.equal(raw.ws.extensions, "");
    await until(live, (f) => f.id === "auto:0", "auto-subscription");
    await until(raw, (f) => f.id === "auto:0", "auto-subscription");
    await deflating.gateway.publish("room.x", payload(1));
    for (const c of [live, raw]) {
      const e = await until(c, (f) => f.type === "event", "event");
      assert.deepEqual(e.data, payload(1));
      c.ws.close();
    }
  });

  it("a deflate bomb (a small compressed frame inflating past maxFrameBytes) is closed with 1009", async () => {
    const c = await open(deflating.wsUrl);
    await until(c, (f) => f.type === "welcome", "welcome");
    const closed = closeCode(c.ws);
    const bomb = JSON.stringify({ type: "publish", topic: "x", data: "0".repeat(2_000_000) });
    c.ws.send(bomb, { compress: true });
    assert.equal(await closed, 1009);
    assert.ok(c.bytesRead() < 100_000, "the server never read 2 MB");
  });

  it("fragments adding up past maxFrameBytes are closed with 1009, compressed or not", async () => {
    for (const deflate of [true, false]) {
      const c = await open(deflating.wsUrl, deflate);
      await until(c, (f) => f.type === "welcome", "welcome");
      const closed = closeCode(c.ws);
      const chunk = "x".repeat(1000);
      for (let i = 0; i < 100 && c.ws.readyState === WebSocket.OPEN; i++)
        c.ws.send(chunk, { fin: false, compress: false });
      assert.equal(await closed, 1009, `deflate ${deflate}`);
    }
  });
});
