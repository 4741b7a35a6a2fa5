/**
 * One subscription (a topic or a pattern) as the client keeps it across reconnects: the last
 * position it delivered, so a reconnect resumes exactly, and duplicate detection, so an event
 * the server sends twice (replay overlapping live delivery, overlapping subscriptions) reaches
 * the application once.
 */
import type {
  HeraldEvent,
  PresenceMember,
  StreamPosition,
  SubscribeAck,
  SubscribeFrame,
  TopicPosition,
} from "@herald/protocol";
import { Emitter } from "./emitter.js";
import type { HeraldClientError } from "./errors.js";

/** What the server's `subscribe` ack carries, and a presence member (declared in @herald/protocol). */
export type { PresenceMember, SubscribeAck };

/** Emitted as `reset` when the server could not recover what was missed. */
export interface ResetInfo {
  /** The position the client asked to resume from. */
  since: NonNullable<SubscribeFrame["since"]>;
  /** Where live delivery continues now. */
  position: TopicPosition | StreamPosition;
}

export interface SubscriptionEvents<T> {
  /** An event, once, in order per topic (missed events first after a reconnect). */
  event: HeraldEvent<T>;
  /** The server acknowledged the subscription (after every (re)connect). */
  subscribed: SubscribeAck;
  /**
   * The server could not replay what was missed (`recovered: false`: the gap was too large or
   * its history was lost, e.g. a server restart). Events were lost: refetch your state.
   */
  reset: ResetInfo;
  /** The server refused the subscription (e.g. `forbidden`); it is dropped and not retried. */
  error: HeraldClientError;
  /** A member joined the topic (subscriptions made with `presence: true`; a live notice, at most once). */
  join: PresenceMember;
  /** A member left the topic, or its node stopped reporting it (`presence: true`). */
  leave: PresenceMember;
}

/** Lifecycle of a subscription. */
export type SubscriptionStatus = "pending" | "subscribed" | "failed" | "unsubscribed";

export class Subscription<T = unknown> extends Emitter<SubscriptionEvents<T>> {
  status: SubscriptionStatus = "pending";
  /** @internal Handles sharing this subscription. */
  refs = 1;
  /** @internal Id of the subscribe request in flight on the current connection. */
  inflight: string | undefined;
  /** @internal Removal was asked while a subscribe was in flight. */
  closing = false;
  /** @internal Timer of a deferred removal (lets React StrictMode re-acquire it). */
  removal: ReturnType<typeof setTimeout> | undefined;
  /** Receives `join`/`leave` (subscribed with `presence: true`). */
  presence = false;
  /** Presence metadata sent with every (re)subscribe. */
  meta: Record<string, unknown> | undefined;
  /** Server-side filter and delivery rate, sent with every (re)subscribe. */
  filter: SubscribeFrame["filter"];
  rate: SubscribeFrame["rate"];
  /** Last delivered position per concrete topic (one entry for a topic subscription). */
  private readonly seen = new Map<string, TopicPosition>();
  /** Stream position for a pattern subscription. */
  private stream: StreamPosition | undefined;

  constructor(
    readonly name: string,
    readonly pattern: boolean,
    private readonly maxTrackedTopics: number,
    private readonly release: (sub: Subscription<T>) => void,
    since?: SubscribeFrame["since"],
  ) {
    super();
    if (since !== undefined) {
      if (pattern && since.offset !== undefined) this.stream = { epoch: since.epoch, offset: since.offset };
      if (!pattern && since.seq !== undefined) this.seen.set(name, { epoch: since.epoch, seq: since.seq });
    }
  }

  /** Where this subscription would resume from, or undefined before its first ack. */
  get position(): TopicPosition | StreamPosition | undefined {
    return this.pattern ? this.stream : this.seen.get(this.name);
  }

  /** Drops this handle; the server subscription ends when the last handle is released. */
  unsubscribe(): void {
    this.release(this);
  }

  /** @internal The `since` of the next subscribe frame. */
  since(): SubscribeFrame["since"] | undefined {
    const p = this.position;
    if (p === undefined) return undefined;
    return "offset" in p ? { epoch: p.epoch, offset: p.offset } : { epoch: p.epoch, seq: p.seq };
  }

  /** @internal Handles the ack; runs synchronously before any event that follows it. */
  acked(ack: SubscribeAck, since: SubscribeFrame["since"] | undefined): void {
    this.status = "subscribed";
    const here: TopicPosition | StreamPosition = this.pattern
      ? { epoch: ack.epoch, offset: ack.offset ?? 0 }
      : { epoch: ack.epoch, seq: ack.seq ?? 0 };
    if (since === undefined || ack.recovered === false || ack.replayed === 0) {
      // Fresh start, lost gap, or nothing to replay: live delivery continues after `here`.
      // With replayed > 0 the position moves as the replayed events arrive instead.
      if (this.pattern) {
        if (ack.recovered === false) this.seen.clear();
        this.stream = here as StreamPosition;
      } else this.seen.set(this.name, here as TopicPosition);
    }
    this.emit("subscribed", ack);
    if (since !== undefined && ack.recovered === false) this.emit("reset", { since, position: here });
  }

  /**
   * @internal A `pong` said every event up to `stream` that matched this connection's live
   * patterns was already sent: an idle pattern moves its resume point forward (same epoch,
   * only forward, only once acknowledged and with no resubscribe in flight), so a pattern that
   * matched nothing for longer than the server's stream log keeps events still resumes exactly.
   */
  advance(stream: StreamPosition): void {
    if (!this.pattern || this.status !== "subscribed" || this.inflight !== undefined) return;
    const here = this.stream;
    if (here !== undefined && here.epoch === stream.epoch && stream.offset > here.offset) {
      this.stream = { epoch: here.epoch, offset: stream.offset };
    }
  }

  /** @internal Offers an event; delivers it unless it was already delivered. */
  offer(event: HeraldEvent<T>): void {
    if (this.status === "unsubscribed" || this.status === "failed") return;
    const last = this.seen.get(event.topic);
    if (last !== undefined && last.epoch === event.epoch && event.seq <= last.seq) return;
    if (this.pattern) {
      this.seen.delete(event.topic); // re-insert: Map order is recency for the bound below
      if (this.seen.size >= this.maxTrackedTopics) {
        const oldest = this.seen.keys().next().value;
        if (oldest !== undefined) this.seen.delete(oldest);
      }
      if (this.stream !== undefined && event.offset > this.stream.offset) {
        this.stream = { epoch: this.stream.epoch, offset: event.offset };
      }
    }
    this.seen.set(event.topic, { epoch: event.epoch, seq: event.seq });
    this.emit("event", event);
  }

  /** @internal A `join`/`leave` frame of this topic. */
  presenceEvent(kind: "join" | "leave", member: PresenceMember): void {
    // A connection's own `join` may arrive just before its subscribe ack.
    if (this.status === "subscribed" || this.status === "pending") this.emit(kind, member);
  }

  /** @internal The server refused the subscription. */
  failed(error: HeraldClientError): void {
    this.status = "failed";
    this.emit("error", error);
  }

  /** @internal The subscription ended; listeners are dropped so nothing leaks. */
  ended(): void {
    this.status = "unsubscribed";
    this.removeAllListeners();
  }
}
