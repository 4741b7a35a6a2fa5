/**
 * Requests in flight on one connection, matched to their `ack` / `error` / `pong` by `id`.
 * Handlers run synchronously when the answer arrives, so an ack is processed before any frame
 * that follows it on the wire (a subscribe ack before the replayed events).
 */
import { HeraldClientError } from "./errors.js";

export interface PendingRequest {
  /** Called with the answer frame (`ack` or `pong`). */
  ok(frame: Record<string, unknown>): void;
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

  /** Registers a request; returns its id. `timeoutMs` 0 means no timeout. */
  add(ok: PendingRequest["ok"], fail: PendingRequest["fail"], timeoutMs: number, what: string): string {
    const id = `c${(++this.next).toString(36)}`;
    const entry: PendingRequest = { ok, fail, timer: undefined };
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
  answer(id: string, frame: Record<string, unknown>): boolean {
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
