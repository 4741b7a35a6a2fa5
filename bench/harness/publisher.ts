/**
 * The publisher: one connection to the server under test that sends events at a steady rate,
 * each carrying its topic key, its number on that topic and its send time. It speaks the
 * server's own publish form (Herald's `publish` frame, the baselines' equivalent, a Socket.IO
 * `publish` emit), so publishing is one cheap frame per event everywhere.
 */
import { once } from "node:events";
import { type Socket as IoSocket, io } from "socket.io-client";
import WebSocket from "ws";
import { nowMs, payload, type ServerKind, topicName } from "./messages.js";

export interface PublishStep {
  /** Events sent in the step, per key. */
  sent: Map<number, number>;
  /** Events sent within the planned step time, per key (a starved publisher sends the rest late). */
  sentInWindow: Map<number, number>;
  /** The last number sent per key (since the publisher started). */
  last: Record<number, number>;
  /** Wall time the step took, ms. */
  ms: number;
}

export class Publisher {
  private readonly counters = new Map<number, number>();
  private readonly pad: string;
  private ws: WebSocket | undefined;
  private socket: IoSocket | undefined;
  /**
   * Publishes the server refused (an `error` answer, by code) since the last `run` began: the
   * tracker counts their events as lost, but the publisher was told — not a silent loss.
   */
  readonly refused = new Map<string, number>();

  constructor(
    readonly kind: ServerKind,
    readonly url: string,
    payloadBytes: number,
  ) {
    const base = JSON.stringify(payload(0, 1, nowMs(), "")).length;
    this.pad = "x".repeat(Math.max(0, payloadBytes - base));
  }

  async open(): Promise<void> {
    if (this.kind === "socketio") {
      const socket = io(this.url, { transports: ["websocket"], forceNew: true, reconnection: false });
      this.socket = socket;
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("connect_error", reject);
      });
      return;
    }
    this.ws = new WebSocket(this.url, { perMessageDeflate: false, skipUTF8Validation: true });
    // Herald acks each publish; only refusals are read (cheaply: by their prefix).
    this.ws.on("message", (raw: Buffer) => {
      if (raw.subarray(0, 15).toString() !== '{"type":"error"') return;
      const code = String((JSON.parse(raw.toString()) as { code?: unknown }).code);
      this.refused.set(code, (this.refused.get(code) ?? 0) + 1);
    });
    await once(this.ws, "open");
  }

  private send(k: number): void {
    const n = (this.counters.get(k) ?? 0) + 1;
    this.counters.set(k, n);
    const data = payload(k, n, nowMs(), this.pad);
    const topic = topicName(k);
    if (this.socket !== undefined) this.socket.emit("publish", topic, data);
    else this.ws?.send(JSON.stringify({ type: "publish", topic, data }));
  }

  /** Sends `perSecond` events for `ms`, spread round-robin over `keys`. */
  async run(perSecond: number, ms: number, keys: number[]): Promise<PublishStep> {
    this.refused.clear();
    const sent = new Map<number, number>();
    const sentInWindow = new Map<number, number>();
    const started = performance.now();
    const total = Math.max(1, Math.round((perSecond * ms) / 1000));
    let done = 0;
    let ki = 0;
    while (done < total) {
      const elapsed = performance.now() - started;
      const due = Math.min(total, Math.floor((elapsed * perSecond) / 1000) + 1);
      const inWindow = elapsed <= ms;
      while (done < due) {
        const k = keys[ki++ % keys.length] as number;
        this.send(k);
        sent.set(k, (sent.get(k) ?? 0) + 1);
        if (inWindow) sentInWindow.set(k, (sentInWindow.get(k) ?? 0) + 1);
        done++;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    const last: Record<number, number> = {};
    for (const [k, n] of this.counters) last[k] = n;
    return { sent, sentInWindow, last, ms: performance.now() - started };
  }

  close(): void {
    this.socket?.disconnect();
    this.ws?.terminate();
  }
}
