/**
 * One load-generator process: opens its share of the connections, subscribes them, and counts
 * what arrives (per-stream accounting in `tracker.ts`, latency in an HDR histogram of
 * microseconds). Driven by the coordinator over IPC (`WorkerCommand`).
 */
import * as hdr from "hdr-histogram-js";
import { type Socket as IoSocket, io } from "socket.io-client";
import WebSocket from "ws";
import { nowMs, type Subscription, type WorkerCommand, type WorkerReport, type WorkerSetup } from "./messages.js";
import { type Counts, Stream, zeroCounts } from "./tracker.js";
import { readSample, type Sample } from "./wire.js";

interface Conn {
  streams: Map<number, Stream>;
  close(): void;
}

const HIGHEST_US = 600_000_000;
let histogram = hdr.build({ bitBucketSize: 32, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3 });
let counts: Counts = zeroCounts();
let closedByServer = 0;
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
    const us = Math.round((nowMs() - t) * 1000);
    histogram.recordValue(Math.max(1, Math.min(us, HIGHEST_US)));
  }
}

function streamsOf(subs: Subscription[]): Map<number, Stream> {
  const m = new Map<number, Stream>();
  for (const s of subs) for (const k of s.keys) m.set(k, new Stream());
  return m;
}

/** A raw WebSocket client for Herald and the ws baselines (both speak subscribe/ack/event JSON). */
function openWs(setup: WorkerSetup, subs: Subscription[], localAddress: string | undefined): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(setup.url, localAddress ? { localAddress, perMessageDeflate: false } : {});
    const conn: Conn = { streams: streamsOf(subs), close: () => ws.terminate() };
    let pending = subs.length;
    let ready = false;
    const subscribe = () => {
      if (pending === 0) {
        ready = true;
        resolve(conn);
        return;
      }
      subs.forEach((s, i) => {
        ws.send(JSON.stringify({ type: "subscribe", topic: s.name, id: `s${i}` }));
      });
    };
    ws.on("message", (data: Buffer) => {
      if (ready && readSample(data, sample) !== undefined) {
        onSample(conn, sample.k, sample.n, sample.t);
        return;
      }
      const frame = JSON.parse(data.toString()) as { type: string; id?: string; error?: string };
      if (frame.type === "welcome") subscribe();
      else if (frame.type === "ack" && frame.id?.startsWith("s")) {
        if (--pending === 0) {
          ready = true;
          resolve(conn);
        }
      } else if (frame.type === "error") reject(new Error(`subscribe failed: ${frame.error}`));
    });
    ws.on("open", () => {
      // Herald greets with `welcome` first; the baselines do not.
      if (setup.kind !== "herald") subscribe();
    });
    ws.on("error", (err) => {
      if (!ready) reject(err);
    });
    ws.on("close", () => {
      if (ready && !closing) closedByServer++;
    });
  });
}

function openSocketIo(setup: WorkerSetup, subs: Subscription[], localAddress: string | undefined): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const opts: Record<string, unknown> = { transports: ["websocket"], forceNew: true, reconnection: false };
    if (localAddress) opts.localAddress = localAddress;
    const socket: IoSocket = io(setup.url, opts);
    const conn: Conn = { streams: streamsOf(subs), close: () => socket.disconnect() };
    let ready = false;
    socket.on("event", (data: { k: number; n: number; t: number }) => onSample(conn, data.k, data.n, data.t));
    socket.on("connect", () => {
      let pending = subs.length;
      if (pending === 0) {
        ready = true;
        resolve(conn);
      }
      for (const s of subs) {
        socket.emit("subscribe", s.name, () => {
          if (--pending === 0) {
            ready = true;
            resolve(conn);
          }
        });
      }
    });
    socket.on("connect_error", (err) => {
      if (!ready) reject(err);
    });
    socket.on("disconnect", () => {
      if (ready && !closing) closedByServer++;
    });
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

function snapshot(): Counts & { closed: number } {
  return { ...counts, closed: closedByServer };
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
          if (published !== undefined) stream.finish(published, counts);
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
