/**
 * `herald tail <topic-or-pattern>`: prints events as JSON lines, reconnecting and resuming from
 * the last position after a drop. `--since EPOCH:N` resumes from a position printed earlier.
 */
import { isPattern } from "@herald/protocol";
import WebSocket from "ws";

export interface TailOptions {
  url: string;
  topic: string;
  token?: string | undefined;
  since?: { epoch: string; n: number } | undefined;
  /** Stop after this many events (tests, scripts). */
  count?: number | undefined;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

export function tail(options: TailOptions): Promise<void> {
  const out = options.out ?? ((l) => process.stdout.write(`${l}\n`));
  const err = options.err ?? ((l) => process.stderr.write(`${l}\n`));
  const pattern = isPattern(options.topic);
  let position = options.since;
  let received = 0;
  let delay = 250;
  return new Promise((resolve, reject) => {
    const connect = () => {
      const url = new URL(options.url);
      if (options.token) url.searchParams.set("token", options.token);
      const ws = new WebSocket(url);
      ws.on("message", (raw) => {
        const frame = JSON.parse(raw.toString()) as Record<string, unknown>;
        switch (frame.type) {
          case "welcome": {
            delay = 250;
            const sub: Record<string, unknown> = { type: "subscribe", id: "tail", topic: options.topic };
            if (position)
              sub.since = pattern
                ? { epoch: position.epoch, offset: position.n }
                : { epoch: position.epoch, seq: position.n };
            ws.send(JSON.stringify(sub));
            break;
          }
          case "ack":
            if (frame.id === "tail") {
              if (frame.recovered === false)
                err(`# could not recover from ${position?.epoch}:${position?.n}; continuing live`);
              position = { epoch: String(frame.epoch), n: Number(pattern ? frame.offset : frame.seq) };
              err(`# subscribed to ${options.topic} at ${position.epoch}:${position.n}`);
            }
            break;
          case "event":
            if (position) position = { epoch: position.epoch, n: Number(pattern ? frame.offset : frame.seq) };
            if (!pattern) position = { epoch: String(frame.epoch), n: Number(frame.seq) };
            out(JSON.stringify(frame));
            if (options.count !== undefined && ++received >= options.count) {
              ws.close(1000);
              resolve();
            }
            break;
          case "error":
            err(`# error ${frame.code}: ${frame.error}`);
            if (frame.id === "tail") {
              ws.close(1000);
              reject(new Error(String(frame.error)));
            }
            break;
          case "disconnect":
            err(`# disconnected ${frame.code}: ${frame.reason}`);
            break;
        }
      });
      ws.on("error", (e) => err(`# ${e.message}`));
      ws.on("close", (code) => {
        if (options.count !== undefined && received >= options.count) return;
        if (code === 1000 || (code >= 4500 && code <= 4999)) {
          resolve();
          return;
        }
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10_000);
      });
    };
    connect();
  });
}
