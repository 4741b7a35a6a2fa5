/**
 * Validation of client frames that have already been JSON-parsed. Returns the typed frame, or
 * a `{code, error}` problem; never throws. Shared so the SDK can validate what it sends.
 */
import type { ErrorCode } from "./errors.js";
import type { Filter } from "./filter.js";
import type { ClientFrame, SubscriptionRate } from "./frames.js";

export interface FrameProblem {
  code: ErrorCode;
  error: string;
  /** The request id, when one could be read, so the error can echo it. */
  id?: string;
}

const MAX_ID_LENGTH = 128;

/** A W3C `traceparent` (version 00): trace id and parent id in lowercase hex, neither all zeros. */
export function isTraceparent(v: unknown): v is string {
  return (
    typeof v === "string" &&
    /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(v) &&
    !v.startsWith("00-00000000000000000000000000000000-") &&
    !v.includes("-0000000000000000-")
  );
}
/** Longest presence `meta` of a subscribe frame, as JSON text. */
const MAX_META_LENGTH = 1024;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(o: Record<string, unknown>, key: string, required: boolean, max = 4096): string | undefined | Error {
  const v = o[key];
  if (v === undefined) return required ? new Error(`"${key}" is required`) : undefined;
  if (typeof v !== "string") return new Error(`"${key}" must be a string`);
  if (v.length > max) return new Error(`"${key}" is longer than ${max} characters`);
  return v;
}

function nonNegInt(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/** Reads a subscription's `rate` (bounds on `intervalMs` are the server's configuration). */
export function parseRate(v: unknown): SubscriptionRate | Error {
  if (!isObject(v)) return new Error('"rate" must be {intervalMs, mode, key?}');
  if (!nonNegInt(v.intervalMs) || v.intervalMs === 0) return new Error('"rate.intervalMs" must be a positive integer');
  if (v.mode !== "conflate" && v.mode !== "batch") return new Error('"rate.mode" must be "conflate" or "batch"');
  const rate: SubscriptionRate = { intervalMs: v.intervalMs, mode: v.mode };
  if (v.key !== undefined) {
    if (typeof v.key !== "string" || v.key.length === 0 || v.key.length > 256)
      return new Error('"rate.key" must be a field path');
    rate.key = v.key;
  }
  return rate;
}

/** Reads a client frame from a parsed JSON value. */
export function parseClientFrame(value: unknown): ClientFrame | FrameProblem {
  if (!isObject(value)) return { code: "bad_request", error: "a frame must be a JSON object" };
  const rawId = value.id;
  let id: string | undefined;
  if (rawId !== undefined) {
    if (typeof rawId === "number" && Number.isFinite(rawId)) id = String(rawId);
    else if (typeof rawId === "string" && rawId.length <= MAX_ID_LENGTH) id = rawId;
    else return { code: "bad_request", error: `"id" must be a string of at most ${MAX_ID_LENGTH} characters` };
  }
  const fail = (code: ErrorCode, error: string): FrameProblem =>
    id === undefined ? { code, error } : { code, error, id };
  const withId = <T extends object>(f: T): T => (id === undefined ? f : { ...f, id });
  const type = value.type;
  if (typeof type !== "string") return fail("bad_request", '"type" is required');

  switch (type) {
    case "ping":
      return withId({ type: "ping" as const });
    case "auth":
    case "refresh": {
      const token = str(value, "token", true, 16384);
      if (token instanceof Error) return fail("bad_request", token.message);
      return withId({ type, token: token as string });
    }
    case "subscribe": {
      const topic = str(value, "topic", true);
      if (topic instanceof Error) return fail("bad_request", topic.message);
      const extra: {
        presence?: boolean;
        meta?: Record<string, unknown>;
        filter?: Filter;
        rate?: SubscriptionRate;
      } = {};
      if (value.filter !== undefined) {
        // The language itself is checked where it is compiled (invalid_filter, naming the problem).
        if (!isObject(value.filter)) return fail("invalid_filter", '"filter" must be a JSON object');
        extra.filter = value.filter as Filter;
      }
      if (value.rate !== undefined) {
        const rate = parseRate(value.rate);
        if (rate instanceof Error) return fail("bad_request", rate.message);
        extra.rate = rate;
      }
      if (value.presence !== undefined) {
        if (typeof value.presence !== "boolean") return fail("bad_request", '"presence" must be true or false');
        extra.presence = value.presence;
      }
      if (value.meta !== undefined) {
        if (!isObject(value.meta) || JSON.stringify(value.meta).length > MAX_META_LENGTH) {
          return fail("bad_request", `"meta" must be an object of at most ${MAX_META_LENGTH} characters as JSON`);
        }
        extra.meta = value.meta;
      }
      const since = value.since;
      if (since === undefined || since === null) return withId({ type, topic: topic as string, ...extra });
      if (!isObject(since) || typeof since.epoch !== "string") {
        return fail("invalid_position", '"since" must be {epoch, seq} or {epoch, offset}');
      }
      const pos: { epoch: string; seq?: number; offset?: number } = { epoch: since.epoch };
      if (since.seq !== undefined) {
        if (!nonNegInt(since.seq)) return fail("invalid_position", '"since.seq" must be a non-negative integer');
        pos.seq = since.seq;
      }
      if (since.offset !== undefined) {
        if (!nonNegInt(since.offset)) return fail("invalid_position", '"since.offset" must be a non-negative integer');
        pos.offset = since.offset;
      }
      if (pos.seq === undefined && pos.offset === undefined) {
        return fail("invalid_position", '"since" needs "seq" (topic) or "offset" (pattern)');
      }
      return withId({ type, topic: topic as string, since: pos, ...extra });
    }
    case "unsubscribe":
    case "presence": {
      const topic = str(value, "topic", true);
      if (topic instanceof Error) return fail("bad_request", topic.message);
      return withId({ type, topic: topic as string });
    }
    case "publish": {
      const topic = str(value, "topic", true);
      if (topic instanceof Error) return fail("bad_request", topic.message);
      const event = str(value, "event", false, 128);
      if (event instanceof Error) return fail("bad_request", event.message);
      const eventId = str(value, "eventId", false, MAX_ID_LENGTH);
      if (eventId instanceof Error) return fail("bad_request", eventId.message);
      if (!("data" in value)) return fail("bad_request", '"data" is required');
      if (value.traceparent !== undefined && !isTraceparent(value.traceparent)) {
        return fail("bad_request", '"traceparent" must be a W3C trace context: 00-<32 hex>-<16 hex>-<2 hex>');
      }
      const f: ClientFrame = { type, topic: topic as string, data: value.data };
      if (event !== undefined) f.event = event;
      if (eventId !== undefined) f.eventId = eventId;
      if (value.traceparent !== undefined) f.traceparent = value.traceparent as string;
      return withId(f);
    }
    case "rpc": {
      const method = str(value, "method", true, 128);
      if (method instanceof Error) return fail("bad_request", method.message);
      if (method === "") return fail("bad_request", '"method" must not be empty');
      return withId({ type, method: method as string, data: value.data ?? null });
    }
    case "history": {
      const topic = str(value, "topic", true);
      if (topic instanceof Error) return fail("bad_request", topic.message);
      const f: ClientFrame = { type, topic: topic as string };
      if (value.since !== undefined) {
        if (!nonNegInt(value.since)) return fail("invalid_position", '"since" must be a non-negative integer');
        f.since = value.since;
      }
      if (value.limit !== undefined) {
        if (!nonNegInt(value.limit) || value.limit === 0)
          return fail("bad_request", '"limit" must be a positive integer');
        f.limit = value.limit;
      }
      return withId(f);
    }
    default:
      return fail("unknown_type", `unknown frame type "${type.slice(0, 64)}"`);
  }
}

/** True when `parseClientFrame` returned a problem rather than a frame. */
export function isFrameProblem(v: ClientFrame | FrameProblem): v is FrameProblem {
  return "code" in v && "error" in v && !("type" in v);
}
