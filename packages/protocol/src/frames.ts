/**
 * Frames of the native WebSocket protocol (`/ws`), as closed tagged unions.
 * `docs/protocol.md` documents every frame with examples. Frames may gain fields, never lose them.
 */
import type { ErrorCode } from "./errors.js";
import type { Filter } from "./filter.js";

/** Where a client was in one topic: the topic's epoch and the last seq it received. */
export interface TopicPosition {
  epoch: string;
  seq: number;
}

/** Where a client was in the server's event stream, for a pattern subscription. */
export interface StreamPosition {
  epoch: string;
  offset: number;
}

/** The envelope every delivered event carries. */
export interface HeraldEvent<T = unknown> {
  /** Unique id; also the publisher's idempotency key. */
  id: string;
  /** Concrete topic the event was published to. */
  topic: string;
  /** Event type name, e.g. `price_update`. @default "message" */
  event: string;
  data: T;
  /** Milliseconds since the Unix epoch, assigned when the event was accepted. */
  timestamp: number;
  /** Per-topic offset, strictly increasing from 1. */
  seq: number;
  /** Identity of the topic's history; changes when that history was lost. */
  epoch: string;
  /** Position in the server's event stream (strictly increasing across topics); recovers patterns. */
  offset: number;
  /** Optional provenance: the source it came through (a connector, a feed name). */
  source?: string;
  /** Optional provenance: the publisher's signature (base64) over the canonical JSON of the event. */
  sig?: string;
  /** Provenance set by the `verify` stage: the publisher id whose key was checked. */
  publisher?: string;
  /** Provenance set by the `verify` stage: whether the signature verified. */
  verified?: boolean;
  /** Provenance set by the `verify` stage: the id of the key that verified it (keys rotate by kid). */
  kid?: string;
  /** W3C trace context of the gateway's publish span, when tracing is on (docs/operations.md, "Tracing"). */
  traceparent?: string;
}

/**
 * At most one delivery every `intervalMs` for one subscription: `conflate` delivers the latest
 * event per `key` (a field path, default the topic), `batch` delivers the events of the
 * interval together (one `batch` frame on the native protocol).
 */
export interface SubscriptionRate {
  intervalMs: number;
  mode: "conflate" | "batch";
  /** Field path of the conflation key (filter path syntax). @default "topic" */
  key?: string;
}

// ---- client → server ----

export interface AuthFrame {
  type: "auth";
  id?: string;
  token: string;
}
export interface RefreshFrame {
  type: "refresh";
  id?: string;
  token: string;
}
export interface SubscribeFrame {
  type: "subscribe";
  id?: string;
  /** A topic or a pattern (`*`, `>`). */
  topic: string;
  /** Resume point: `{epoch, seq}` for a topic, `{epoch, offset}` for a pattern. */
  since?: { epoch: string; seq?: number; offset?: number };
  /** Also receive `join`/`leave` frames of this topic (presence namespaces only). */
  presence?: boolean;
  /** Presence metadata shown to others while subscribed (a JSON object, at most 1024 bytes serialised). */
  meta?: Record<string, unknown>;
  /** Deliver (and recover) only events matching this filter (docs/protocol.md, "Filters"). */
  filter?: Filter;
  /** At most one delivery every `rate.intervalMs` (conflated or batched). */
  rate?: SubscriptionRate;
}
export interface UnsubscribeFrame {
  type: "unsubscribe";
  id?: string;
  topic: string;
}
export interface PublishFrame {
  type: "publish";
  id?: string;
  topic: string;
  /** Event type name. @default "message" */
  event?: string;
  data: unknown;
  /** Idempotency key; an event with an id already seen is acknowledged, not delivered again. */
  eventId?: string;
  /** W3C trace context of the publisher (`00-<trace id>-<span id>-<flags>`): the gateway's spans continue its trace. */
  traceparent?: string;
}
export interface HistoryFrame {
  type: "history";
  id?: string;
  topic: string;
  /** Return events after this seq (exclusive). */
  since?: number;
  limit?: number;
}
export interface PresenceFrame {
  type: "presence";
  id?: string;
  topic: string;
}
export interface PingFrame {
  type: "ping";
  id?: string;
}
/** A call answered by the application's backend (the `rpc` hook, docs/hooks.md); the ack carries `data`. */
export interface RpcFrame {
  type: "rpc";
  id?: string;
  /** The backend's method name (at most 128 characters). */
  method: string;
  /** Arguments, any JSON value. @default null */
  data?: unknown;
}

export type ClientFrame =
  | AuthFrame
  | RefreshFrame
  | SubscribeFrame
  | UnsubscribeFrame
  | PublishFrame
  | HistoryFrame
  | PresenceFrame
  | PingFrame
  | RpcFrame;

export type ClientFrameType = ClientFrame["type"];

/** Every client frame `type` (a `Record` over the union, so adding a frame without listing it fails to compile). */
export const CLIENT_FRAME_TYPES = Object.keys({
  auth: true,
  refresh: true,
  subscribe: true,
  unsubscribe: true,
  publish: true,
  history: true,
  presence: true,
  ping: true,
  rpc: true,
} satisfies Record<ClientFrameType, true>) as ClientFrameType[];

// ---- server → client ----

export interface WelcomeFrame {
  type: "welcome";
  /** Connection id. */
  client: string;
  /** Server version. */
  version: string;
  /** Authenticated user id, when there is one. */
  user?: string;
  /** Epoch of the server's event stream (pattern positions). */
  epoch: string;
  /** Interval of server pings, ms. */
  heartbeat: number;
  /** Whether the server still waits for an `auth` frame. */
  authRequired?: boolean;
}
/** What every `ack` carries; the rest is the answer to its request (`AckOf`, below). */
export interface AckEnvelope {
  type: "ack";
  id?: string;
}
/** An `ack` frame: the envelope and the answer to one request type (any of them by default). */
export type AckFrame<K extends RequestType = RequestType> = AckEnvelope & AckOf[K];
export interface EventFrame<T = unknown> extends HeraldEvent<T> {
  type: "event";
}
/** The events one rate-limited `batch` subscription received during its interval, in order. */
export interface BatchFrame {
  type: "batch";
  /** The subscription (topic or pattern) the batch belongs to. */
  topic: string;
  /** `event` frames, oldest first. */
  events: EventFrame[];
}
export interface ErrorFrame {
  type: "error";
  id?: string;
  code: ErrorCode;
  error: string;
  timestamp: number;
  /** More about the error where there is more, e.g. the backend's own `code` of a hook's refusal. */
  details?: unknown;
}
export interface PongFrame {
  type: "pong";
  id?: string;
  /**
   * Stream epoch and the offset of the newest event this node has delivered: every event at or
   * below it that matches a live pattern subscription was sent before this pong, so an idle
   * pattern's position may move forward to it. Absent before `welcome`.
   */
  epoch?: string;
  offset?: number;
}
export interface DisconnectFrame {
  type: "disconnect";
  code: number;
  reason: string;
  reconnect: boolean;
}
export interface PresenceEventFrame {
  type: "join" | "leave";
  topic: string;
  info: PresenceMember;
}
export interface RefreshRequestFrame {
  type: "refresh";
  /** Milliseconds left before the connection is closed with 4005. */
  within: number;
}

export type ServerFrame =
  | WelcomeFrame
  | AckFrame
  | EventFrame
  | BatchFrame
  | ErrorFrame
  | PongFrame
  | DisconnectFrame
  | PresenceEventFrame
  | RefreshRequestFrame;

export type ServerFrameType = ServerFrame["type"];

/** Every server frame `type` (a `Record` over the union, so adding a frame without listing it fails to compile). */
export const SERVER_FRAME_TYPES = Object.keys({
  welcome: true,
  ack: true,
  event: true,
  batch: true,
  error: true,
  pong: true,
  disconnect: true,
  join: true,
  leave: true,
  refresh: true,
} satisfies Record<ServerFrameType, true>) as ServerFrameType[];

// ---- answers ----
// The fields of each request type's `ack` (docs/protocol.md documents each with its request).

/** The answer to `auth` and `refresh`. */
export interface AuthAck {
  /** The authenticated user id (a refresh never changes it). */
  user: string;
}

/** The answer to `subscribe`: where live events continue (the topic's `seq` or the stream's `offset`). */
export interface SubscribeAck {
  topic: string;
  epoch: string;
  /** Position of a topic subscription. */
  seq?: number;
  /** Position of a pattern subscription (the server's event stream). */
  offset?: number;
  /** Present when the subscribe carried `since`: whether exactly the missed events follow. */
  recovered?: boolean;
  /** Number of events replayed after the ack (when recovered). */
  replayed?: number;
  /**
   * On a state topic: the document at `seq` (absent on a recovered resubscribe, whose missed
   * deltas follow instead). Apply later events with `applyDelta` (docs/protocol.md).
   */
  state?: Record<string, unknown>;
  /** On a state topic: the clock stamp of each top-level key of `state`. */
  clocks?: Record<string, string>;
}

/** The answer to `unsubscribe`. */
export interface UnsubscribeAck {
  topic: string;
}

/** The answer to `publish`: where the event was sequenced. */
export interface PublishAck {
  topic: string;
  eventId: string;
  seq: number;
  epoch: string;
  offset: number;
  /** True when the server had already accepted this id (a retry): delivered once. */
  duplicate: boolean;
}

/** The answer to `history`: events after `since`, oldest first, and the topic's position. */
export interface HistoryAck<T = unknown> {
  topic: string;
  epoch: string;
  /** The topic's newest seq. */
  seq: number;
  /** True when older events than those returned were no longer kept. */
  truncated: boolean;
  events: HeraldEvent<T>[];
}

/** One member of a presence topic. */
export interface PresenceMember {
  client: string;
  user?: string;
  meta?: unknown;
}

/** The answer to `presence`. */
export interface PresenceAck {
  topic: string;
  count: number;
  /** Left out above `presence.maxMembers`. */
  members?: PresenceMember[];
}

/** The answer to `rpc`: the backend's answer. */
export interface RpcAck<T = unknown> {
  method: string;
  data: T;
}

/** The `ack` of each request type (`ping` is answered by `pong`). */
export interface AckOf {
  auth: AuthAck;
  refresh: AuthAck;
  subscribe: SubscribeAck;
  unsubscribe: UnsubscribeAck;
  publish: PublishAck;
  history: HistoryAck;
  presence: PresenceAck;
  rpc: RpcAck;
}

/** Names a request type only if `AckOf` lists its ack (a new request without one fails to compile). */
type ListedIn<K extends keyof AckOf> = K;

/** A client frame type answered by `ack`: every one but `ping`. */
export type RequestType = ListedIn<Exclude<ClientFrameType, "ping">>;

/** Any request's ack fields. */
export type Ack = AckOf[RequestType];
