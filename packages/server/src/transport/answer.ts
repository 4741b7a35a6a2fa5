/**
 * What a session answers to one request, before any transport renders it: each transport writes
 * it in its own wire form (a native `ack` / `error` / `pong` frame, a Socket.IO acknowledgement,
 * an SSE subscription's position) for the very request object it handed to `Session.handle`.
 */
import type { Ack, ErrorCode, ServerFrame } from "@herald/protocol";

export type Answer =
  | { kind: "ack"; ack: Ack }
  /** The answer to `ping`: the stream position every live pattern was served up to (absent before `welcome`). */
  | { kind: "pong"; epoch?: string; offset?: number }
  /** `details` is never set for `internal` (the session logs those). */
  | { kind: "error"; code: ErrorCode; message: string; details?: unknown };

/** The native protocol's frame of an answer, echoing the request's `id`. */
export function answerFrame(id: string | undefined, answer: Answer): ServerFrame {
  switch (answer.kind) {
    case "ack":
      return id === undefined ? { type: "ack", ...answer.ack } : { type: "ack", id, ...answer.ack };
    case "pong": {
      const pong: ServerFrame = { type: "pong" };
      if (id !== undefined) pong.id = id;
      if (answer.epoch !== undefined) {
        pong.epoch = answer.epoch;
        pong.offset = answer.offset as number;
      }
      return pong;
    }
    case "error":
      return errorFrame(answer.code, answer.message, id, answer.details);
  }
}

/** An `error` frame (`details` only where there is more to say). */
export function errorFrame(code: ErrorCode, message: string, id?: string, details?: unknown): ServerFrame {
  const frame: ServerFrame = { type: "error", code, error: message, timestamp: Date.now() };
  if (id !== undefined) frame.id = id;
  if (details !== undefined) frame.details = details;
  return frame;
}
