/**
 * Requests in flight on one connection, matched to their `ack` / `error` / `pong` by `id`.
 * Handlers run synchronously when the answer arrives, so an ack is processed before any frame
 * that follows it on the wire (a subscribe ack before the replayed events).
 */
import type { AckFrame, ClientFrame, ErrorFrame, PongFrame, RequestType } from "@herald/protocol";
import { HeraldClientError } from "./errors.js";

/** A request of type `K` as the client sends it (the id is added when it goes out). */
export type RequestFrame<K extends RequestType | "ping"> = Omit<Extract<ClientFrame, { type: K }>, "id">;

/** What answers a request of type `K`: its typed `ack` (`pong` for `ping`). */
export type AnswerTo<K extends RequestType | "ping"> = K extends RequestType ? AckFrame<K> : PongFrame;

/** A frame that answers a request. */
export type AnswerFrame = AckFrame | PongFrame | ErrorFrame;

export interface PendingRequest {
  /** Called with the answer frame (`ack` or `pong`). */
  ok(frame: AckFrame | PongFrame): void;
  /** Called with the server's error, a timeout, or the loss of the connection. */
  fail(error: HeraldClientError): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class Requests {
  private readonly pending = new Map<string, PendingRequest>();
  private next = 0;

  get size(): number {
    return this.pending.size;
  }

  /**
   * Registers a request of type `K`; returns its id. `ok` gets that request's answer (the
   * server answers each request with the ack of its type). `timeoutMs` 0 means no timeout.
   */
  add<K extends RequestType | "ping">(
    _type: K,
    ok: (answer: AnswerTo<K>) => void,
    fail: PendingRequest["fail"],
    timeoutMs: number,
    what: string,
  ): string {
    const id = `c${(++this.next).toString(36)}`;
    const entry: PendingRequest = { ok: ok as PendingRequest["ok"], fail, timer: undefined };
    if (timeoutMs > 0) {
      entry.timer = setTimeout(() => {
        if (this.pending.get(id) !== entry) return;
        this.pending.delete(id);
        fail(new HeraldClientError("request_timeout", `${what}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
    }
    this.pending.set(id, entry);
    return id;
  }

  /** Routes an answer frame; returns false when no request has that id. */
  answer(id: string, frame: AnswerFrame): boolean {
    const entry = this.pending.get(id);
    if (entry === undefined) return false;
    this.pending.delete(id);
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    if (frame.type === "error") {
      const code = typeof frame.code === "string" ? frame.code : "internal";
      const message = typeof frame.error === "string" ? frame.error : "request failed";
      const details = frame.details === undefined ? undefined : { details: frame.details };
      entry.fail(new HeraldClientError(code as HeraldClientError["code"], message, details));
    } else entry.ok(frame);
    return true;
  }

  /** Forgets a request without calling it (its owner handles the outcome). */
  drop(id: string): void {
    const entry = this.pending.get(id);
    if (entry === undefined) return;
    this.pending.delete(id);
    if (entry.timer !== undefined) clearTimeout(entry.timer);
  }

  /** Fails every request (the connection is gone). */
  failAll(error: HeraldClientError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const entry of all) {
      if (entry.timer !== undefined) clearTimeout(entry.timer);
      entry.fail(error);
    }
  }
}
