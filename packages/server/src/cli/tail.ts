/**
 * `herald tail <topic-or-pattern>`: prints events as JSON lines, reconnecting and resuming from
 * the last position after a drop. `--since EPOCH:N` resumes from a position printed earlier.
 */
import { isPattern, shouldReconnect } from "@herald/protocol";
import WebSocket from "ws";
import { CliError, ExitCode } from "./args.js";

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
      let refusedOnUpgrade = false;
      // The upgrade answered with an HTTP status (401 bad token, 403 Origin, 503 at capacity).
      ws.on("unexpected-response", (_req, res) => {
        refusedOnUpgrade = true;
        const status = res.statusCode ?? 0;
        res.resume();
        ws.terminate();
        if (status === 401 || status === 403) {
          const why = status === 401 ? "authentication failed (check --token)" : "forbidden (Origin or access)";
          reject(new CliError(`the server refused the connection: HTTP ${status}, ${why}`, ExitCode.refused));
        } else {
          err(`# the server answered the upgrade with HTTP ${status}; retrying`);
          setTimeout(connect, delay);
          delay = Math.min(delay * 2, 10_000);
        }
      });
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
              reject(new CliError(`subscription refused: ${frame.code} ${frame.error}`, ExitCode.refused));
            }
            break;
          case "disconnect":
            err(`# disconnected ${frame.code}: ${frame.reason}`);
            break;
        }
      });
      ws.on("error", (e) => err(`# ${e.message}`));
      ws.on("close", (code, reason) => {
        if (refusedOnUpgrade || (options.count !== undefined && received >= options.count)) return;
        if (!shouldReconnect(code)) {
          // A terminal close (bad token 4500, no auth in time 4501, disconnected 4503, Origin
          // 4504, policy 1008, or 1000 from the server): nothing will change by retrying.
          const text = reason.toString() || "closed by the server";
          reject(new CliError(`connection closed for good: ${code} ${text}`, ExitCode.refused));
          return;
        }
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10_000);
      });
    };
    connect();
  });
}
