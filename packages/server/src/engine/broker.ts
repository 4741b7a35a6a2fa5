/**
 * The broker: sequencing, history and fan-out between gateway nodes.
 *
 * Contract (every implementation passes `test/broker.suite.ts` unchanged):
 * - `publish` assigns the topic's next `seq` (strictly increasing from 1, never reused), the
 *   topic's `epoch`, and the next stream `offset` (strictly increasing across all topics), and
 *   appends the event to the topic's history and to the stream log, atomically per topic: two
 *   publishers on any nodes never reorder a topic or reuse a seq. It resolves only once the
 *   event is committed where the namespace keeps it; a rejected promise means the event was
 *   not accepted (never "acknowledged, then lost").
 * - A publish with an `id` seen within the idempotency window resolves to the original event
 *   with `duplicate: true`, and nothing is delivered again. The same id on another topic is a
 *   `conflict` error.
 * - Every committed event is passed to every `onEvent` listener on every node, in per-topic
 *   order, at most once (live delivery is at-most-once; recovery makes it at-least-once).
 * - History and recovery are exact: `recoverTopic` / `recoverPattern` return every event after
 *   the given position, in order, or `recovered: false` with no events — never a partial list.
 * - A topic's `epoch` changes only when its stored history is lost; the stream `epoch` changes
 *   only when the stream log is lost.
 */
import { HeraldError, type HeraldEvent, type StreamPosition, type TopicPosition } from "@herald/protocol";

export interface PublishRequest {
  topic: string;
  /** @default "message" */
  event?: string;
  data: unknown;
  /** Idempotency key; generated when absent. */
  id?: string;
  /** Provenance: the source it came through (a connector, a feed). */
  source?: string;
  /** The publisher's signature (base64) over the canonical JSON of the event (docs/pipeline.md, verify). */
  sig?: string;
  /**
   * The id was assigned by a connector from the source's identity of the message (a stream id,
   * a CID), not chosen by the publisher: the verify stage leaves it out of the signed form.
   */
  idFromSource?: boolean;
  /** Publisher id whose key signed it; the key registry is looked up by it. */
  publisher?: string;
  /** Id of the publisher's key that signed it (keys rotate by kid). */
  kid?: string;
  /** Set only by the `verify` stage, never taken from a caller. */
  verified?: boolean;
  /** W3C trace context carried on the event (the gateway's publish span when tracing is on). */
  traceparent?: string;
}

export interface PublishOutcome {
  event: HeraldEvent;
  /** True when the id was seen before: `event` is the original and nothing was delivered again. */
  duplicate: boolean;
}

export interface Recovery<P> {
  /** Events after the requested position, in order (empty when not recovered). */
  events: HeraldEvent[];
  /** False when the epoch differs or the gap is larger than what is kept. */
  recovered: boolean;
  /** Position after the returned events: where live delivery continues. */
  position: P;
}

export interface HistoryQuery {
  /** Events with seq greater than this. @default 0 */
  since?: number;
  /** At most this many events, the oldest first. */
  limit: number;
}

export interface HistoryPage {
  events: HeraldEvent[];
  /** The topic's current position. */
  position: TopicPosition;
  /** True when events after `since` were trimmed, so the page does not start at since+1. */
  truncated: boolean;
}

/** Called with each committed event and its serialised `event` frame (built once). */
export type EventListener = (event: HeraldEvent, frame: string) => void;

export interface Broker {
  /** Connects to the backing engine; resolves when publishes can be accepted. */
  start(): Promise<void>;
  /** Stops listening and releases connections. */
  close(): Promise<void>;
  /** Whether the node is fully ready (for /readyz). */
  readonly ready: boolean;
  /**
   * Publishes one event. Refuses by itself with `unavailable` (nothing happened) when it cannot
   * take this publish now: callers do not gate on `ready`, because a node that is not fully
   * ready (pub/sub reconnecting, a store down) may still take some publishes.
   */
  publish(request: PublishRequest): Promise<PublishOutcome>;
  onEvent(listener: EventListener): void;
  /** The topic's current position (seq 0 for a topic with no events yet). */
  position(topic: string): Promise<TopicPosition>;
  /** The current position of the stream log. */
  streamPosition(): Promise<StreamPosition>;
  history(topic: string, query: HistoryQuery): Promise<HistoryPage>;
  recoverTopic(topic: string, since: TopicPosition, maxEvents: number): Promise<Recovery<TopicPosition>>;
  /** Events on topics matching `pattern` after `since`, in stream order. */
  recoverPattern(pattern: string, since: StreamPosition, maxEvents: number): Promise<Recovery<StreamPosition>>;
  /** Number of topics with a position (for /api/info). */
  topicCount(): Promise<number>;
}

/**
 * The event a publish becomes at the position the broker gave it: the request's fields, the
 * type defaulting to "message" and missing data to null (as the frame carries them).
 */
export function sequencedEvent(
  req: PublishRequest,
  id: string,
  at: { seq: number; epoch: string; offset: number; timestamp: number },
): HeraldEvent {
  const event: HeraldEvent = {
    id,
    topic: req.topic,
    event: req.event ?? "message",
    data: req.data ?? null,
    timestamp: at.timestamp,
    seq: at.seq,
    epoch: at.epoch,
    offset: at.offset,
  };
  if (req.source !== undefined) event.source = req.source;
  if (req.sig !== undefined) event.sig = req.sig;
  if (req.publisher !== undefined) event.publisher = req.publisher;
  if (req.verified !== undefined) event.verified = req.verified;
  if (req.kid !== undefined) event.kid = req.kid;
  if (req.traceparent !== undefined) event.traceparent = req.traceparent;
  return event;
}

/** Turns a stored frame back into the event envelope (drops the frame's `type`). */
export function frameToEvent(frame: string): HeraldEvent {
  const { type: _type, ...event } = JSON.parse(frame) as HeraldEvent & { type: string };
  return event;
}

/**
 * `unconfirmed`: the event was published (sequenced and delivered) but not yet confirmed where it
 * must be kept (`by`: the replicas, the store); its position goes with the refusal, and a retry
 * with its id is answered with the same event.
 */
export function unconfirmedError(event: HeraldEvent, by: string): HeraldError {
  return new HeraldError(
    "unconfirmed",
    `event "${event.id}" was published but not confirmed by ${by} in time; retrying with its id is safe`,
    { details: { eventId: event.id, topic: event.topic, seq: event.seq, epoch: event.epoch, offset: event.offset } },
  );
}

/** Serialises an event as an `event` frame. Done once per event, shared by every subscriber. */
export function eventFrame(event: HeraldEvent): string {
  // Fixed field order keeps frames byte-identical across nodes.
  let s = `{"type":"event","topic":${JSON.stringify(event.topic)},"event":${JSON.stringify(event.event)},"id":${JSON.stringify(event.id)},"seq":${event.seq},"epoch":${JSON.stringify(event.epoch)},"offset":${event.offset},"timestamp":${event.timestamp}`;
  if (event.source !== undefined) s += `,"source":${JSON.stringify(event.source)}`;
  if (event.sig !== undefined) s += `,"sig":${JSON.stringify(event.sig)}`;
  s += provenanceFields(event);
  s += `,"data":${JSON.stringify(event.data ?? null)}}`;
  return s;
}

/**
 * The provenance fields the `verify` stage sets, as frame text in their fixed order. Shared by
 * `eventFrame` and the Redis engine's Lua-built frame so both stay byte-identical.
 */
export function provenanceFields(p: {
  publisher?: string;
  verified?: boolean;
  kid?: string;
  traceparent?: string;
}): string {
  let s = "";
  if (p.publisher !== undefined) s += `,"publisher":${JSON.stringify(p.publisher)}`;
  if (p.verified !== undefined) s += `,"verified":${p.verified}`;
  if (p.kid !== undefined) s += `,"kid":${JSON.stringify(p.kid)}`;
  if (p.traceparent !== undefined) s += `,"traceparent":${JSON.stringify(p.traceparent)}`;
  return s;
}
