/**
 * One load-generator process: opens its share of the connections, subscribes them, and counts
 * what arrives (per-stream accounting in `tracker.ts`, latency in an HDR histogram of
 * microseconds). Driven by the coordinator over IPC (`WorkerCommand`).
 */
import * as hdr from "hdr-histogram-js";
import {
  isHerald,
  nowMs,
  type Subscription,
  type WorkerCommand,
  type WorkerCounts,
  type WorkerReport,
  type WorkerSetup,
} from "./messages.js";
import { RawWs } from "./raw-ws.js";
import { type Counts, Stream, zeroCounts } from "./tracker.js";
import { readSample, type Sample } from "./wire.js";

interface Conn {
  streams: Map<number, Stream>;
  /** False once the connection closed. */
  open: boolean;
  close(): void;
}

const HIGHEST_US = 600_000_000;
let histogram = hdr.build({ bitBucketSize: 32, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3 });
let counts: Counts = zeroCounts();
let closedByServer = 0;
let inWindow = 0;
let windowEnd = Number.POSITIVE_INFINITY;
let closing = false;
const conns: Conn[] = [];
const sample: Sample = { k: 0, n: 0, t: 0 };

function send(report: WorkerReport): void {
  process.send?.(report);
}

function onSample(conn: Conn, k: number, n: number, t: number): void {
  const stream = conn.streams.get(k);
  if (stream === undefined) return;
  const before = counts.delivered;
  stream.receive(n, counts);
  if (counts.delivered !== before) {
    const now = nowMs();
    if (now <= windowEnd) inWindow++;
    const us = Math.round((now - t) * 1000);
    histogram.recordValue(Math.max(1, Math.min(us, HIGHEST_US)));
  }
}

function streamsOf(subs: Subscription[]): Map<number, Stream> {
  const m = new Map<number, Stream>();
  for (const s of subs) for (const k of s.keys) m.set(k, new Stream());
  return m;
}

/** Herald and the ws baselines: `subscribe` frames answered by `ack`, events as JSON text. */
function openWs(setup: WorkerSetup, subs: Subscription[], localAddress: string | undefined): Promise<Conn> {
  return new Promise((resolve, reject) => {
    let ready = false;
    let pending = subs.length;
    const conn: Conn = { streams: streamsOf(subs), open: true, close: () => ws.terminate() };
    const done = () => {
      ready = true;
      resolve(conn);
    };
    const subscribe = () => {
      if (pending === 0) done();
      subs.forEach((s, i) => {
        ws.sendText(JSON.stringify({ type: "subscribe", topic: s.name, id: `s${i}` }));
      });
    };
    const ws = new RawWs({
      message(data) {
        if (ready && readSample(data, sample) !== undefined) {
          onSample(conn, sample.k, sample.n, sample.t);
          return;
        }
        const frame = JSON.parse(data.toString()) as { type: string; id?: string; error?: string };
        if (frame.type === "welcome") subscribe();
        else if (frame.type === "ack" && frame.id?.startsWith("s")) {
          if (--pending === 0) done();
        } else if (frame.type === "error" && !ready) reject(new Error(`subscribe failed: ${frame.error}`));
      },
      close() {
        conn.open = false;
        if (ready && !closing) closedByServer++;
        if (!ready) reject(new Error("closed before subscribing"));
      },
    });
    // Herald greets with `welcome` first; the baselines do not.
    ws.open(new URL(setup.url), localAddress).then(() => {
      if (!isHerald(setup.kind)) subscribe();
    }, reject);
  });
}

/**
 * Socket.IO spoken directly (Engine.IO 4 over WebSocket): `0` open → `40` connect → `42`
 * events and `43` acks; pings (`2`) answered with `3`. Events read like the others' frames.
 */
function openSocketIo(setup: WorkerSetup, subs: Subscription[], localAddress: string | undefined): Promise<Conn> {
  return new Promise((resolve, reject) => {
    let ready = false;
    let pending = subs.length;
    const conn: Conn = { streams: streamsOf(subs), open: true, close: () => ws.terminate() };
    const done = () => {
      ready = true;
      resolve(conn);
    };
    const ws = new RawWs({
      message(data) {
        if (ready && readSample(data, sample) !== undefined) {
          onSample(conn, sample.k, sample.n, sample.t);
          return;
        }
        const text = data.toString();
        if (text === "2") ws.sendText("3");
        else if (text.startsWith("0")) ws.sendText("40");
        else if (text.startsWith("40")) {
          if (pending === 0) done();
          subs.forEach((s, i) => {
            ws.sendText(`42${i}${JSON.stringify(["subscribe", s.name])}`);
          });
        } else if (text.startsWith("43")) {
          if (--pending === 0) done();
        } else if (text.startsWith("44") && !ready) reject(new Error(`socket.io connect refused: ${text}`));
      },
      close() {
        conn.open = false;
        if (ready && !closing) closedByServer++;
        if (!ready) reject(new Error("closed before subscribing"));
      },
    });
    ws.open(new URL("/socket.io/?EIO=4&transport=websocket", setup.url), localAddress).catch(reject);
  });
}

async function connectAll(setup: WorkerSetup): Promise<void> {
  const started = performance.now();
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const open = setup.kind === "socketio" ? openSocketIo : openWs;
  const lane = async () => {
    while (next < setup.count) {
      const i = next++;
      const g = setup.first + i;
      const addr = setup.localAddresses.length > 0 ? setup.localAddresses[g % setup.localAddresses.length] : undefined;
      try {
        conns.push(await open(setup, setup.subscriptions[i] ?? [], addr));
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, setup.concurrency) }, lane));
  const report: WorkerReport = { type: "connected", ms: performance.now() - started, failed };
  if (firstError !== undefined) report.firstError = firstError;
  send(report);
}

function snapshot(): WorkerCounts {
  return { ...counts, closed: closedByServer, inWindow };
}

process.on("message", (cmd: WorkerCommand) => {
  switch (cmd.cmd) {
    case "connect":
      connectAll(cmd.setup).catch((err) => {
        send({ type: "connected", ms: 0, failed: cmd.setup.count, firstError: String(err) });
      });
      return;
    case "reset":
      counts = zeroCounts();
      closedByServer = 0;
      inWindow = 0;
      windowEnd = cmd.windowEnd;
      histogram = hdr.build({
        bitBucketSize: 32,
        highestTrackableValue: HIGHEST_US,
        numberOfSignificantValueDigits: 3,
      });
      return;
    case "snapshot":
      send({ type: "snapshot", counts: snapshot() });
      return;
    case "final": {
      for (const conn of conns) {
        for (const [k, stream] of conn.streams) {
          const published = cmd.lastPublished[k];
          if (published !== undefined) stream.finish(published, conn.open, counts);
        }
      }
      send({ type: "final", counts: snapshot(), histogram: hdr.encodeIntoCompressedBase64(histogram) });
      return;
    }
    case "close":
      closing = true;
      for (const c of conns) c.close();
      send({ type: "closed" });
      setTimeout(() => process.exit(0), 200).unref();
      return;
    default: {
      const never: never = cmd;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
});
process.on("disconnect", () => process.exit(0));
send({ type: "ready" });
