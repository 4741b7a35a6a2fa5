/**
 * Errors the client reports. `code` is either a server error code from the registry in
 * `@herald/protocol` (the server answered with an `error` frame) or one of the client's own
 * codes below (documented in docs/client.md).
 */
import type { ErrorCode } from "@herald/protocol";

/** Codes the client itself produces. */
export type ClientErrorCode =
  /** No ack arrived within the request's timeout. */
  | "request_timeout"
  /** The client was closed (by `close()` or a terminal close code) before the request finished. */
  | "client_closed"
  /** The connection dropped while a non-retryable request (history, refresh) was in flight. */
  | "connection_lost"
  /** The offline publish queue is full; this publish was not queued. */
  | "queue_full"
  /** The token callback threw or returned something other than a non-empty string. */
  | "token_unavailable"
  /** No WebSocket implementation: pass `WebSocket` in the options (e.g. from `ws` in Node 20). */
  | "no_websocket"
  /** A frame from the server could not be parsed. */
  | "bad_frame";

export class HeraldClientError extends Error {
  override readonly name = "HeraldClientError";
  /** The server's `details` of an `error` frame, when it sent some (e.g. a backend's own code, docs/hooks.md). */
  readonly details?: unknown;

  constructor(
    readonly code: ClientErrorCode | ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.details !== undefined) this.details = options.details;
  }
}
