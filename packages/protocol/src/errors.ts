/**
 * The one registry of error codes. Every `error` frame and every HTTP error body carries one
 * of these codes; `docs/errors.md` lists the same set, and a test fails when they differ.
 * Codes are stable: they may be added, never renamed or removed.
 */
export const ErrorCodes = {
  bad_request: { status: 400, message: "The request is malformed or misses a required field" },
  invalid_json: { status: 400, message: "The frame or body is not valid JSON" },
  unknown_type: { status: 400, message: "The frame type is not one the server knows" },
  invalid_topic: { status: 400, message: "The topic or pattern name is not valid" },
  invalid_position: { status: 400, message: "The recovery position (since / Last-Event-ID) is not valid" },
  too_deep: { status: 400, message: "The JSON nesting is deeper than allowed" },
  payload_too_large: { status: 413, message: "The frame, body or event is larger than allowed" },
  unauthorized: { status: 401, message: "Authentication is missing or invalid" },
  token_expired: { status: 401, message: "The token has expired; refresh it" },
  forbidden: { status: 403, message: "The caller may not do this on this topic or resource" },
  not_found: { status: 404, message: "No such resource" },
  already_subscribed: { status: 409, message: "The connection is already subscribed to this topic or pattern" },
  not_subscribed: { status: 409, message: "The connection is not subscribed to this topic or pattern" },
  conflict: { status: 409, message: "The event id was already used for a different event" },
  too_many_subscriptions: { status: 429, message: "The connection has reached its subscription limit" },
  too_many_items: { status: 400, message: "The batch has more items than allowed" },
  rate_limited: { status: 429, message: "Too many requests or frames; slow down" },
  timeout: { status: 504, message: "The operation did not complete in time" },
  unavailable: { status: 503, message: "A backing service (broker or store) is unavailable" },
  unconfirmed: {
    status: 504,
    message: "The event was published, but the Redis replicas engine.ackReplicas asks for did not confirm it in time",
  },
  shutting_down: { status: 503, message: "The server is shutting down" },
  internal: { status: 500, message: "An unexpected server error" },
  invalid_filter: { status: 400, message: "The filter is not valid in the filter language" },
  already_exists: { status: 409, message: "A resource with this name or id already exists" },
  quota_exceeded: {
    status: 429,
    message: "A configured count limit (aggregations, rules, sessions, chunks) is reached",
  },
  stream_closed: { status: 409, message: "The analysis session is no longer active" },
  headers_too_large: { status: 431, message: "The request has more or larger headers than allowed" },
  content_unavailable: { status: 502, message: "Announced content could not be fetched from its source" },
  content_mismatch: { status: 422, message: "The fetched content does not match its content identifier" },
  invalid_signature: {
    status: 401,
    message: "The webhook signature or timestamp is missing, invalid, or outside the tolerance",
  },
  replayed: { status: 409, message: "This signed webhook request was already accepted" },
  invalid_event: { status: 400, message: "The event does not match the schema of its type" },
  bad_signature: { status: 401, message: "The event's signature is missing, unknown or does not verify" },
  enrichment_failed: { status: 502, message: "An enrichment stage could not enrich the event" },
  unsupported_media_type: { status: 415, message: "The request body must be application/json" },
  rpc_error: {
    status: 422,
    message: "The application's backend answered the RPC call with an error (its own code is in details.code)",
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ErrorCodes;

/** True for strings that name a registered error code. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ErrorCodes, code);
}

/** An error with a stable machine code, its HTTP status and an optional cause. */
export class HeraldError extends Error {
  override readonly name = "HeraldError";
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; details?: unknown }) {
    super(message ?? ErrorCodes[code].message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ErrorCodes[code].status;
    if (options?.details !== undefined) this.details = options.details;
  }
}
