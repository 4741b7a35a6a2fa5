/**
 * The client's subscriptions by name: one server subscription per name however many handles
 * share it, (re)subscribed with its resume position on every connection, removed from the
 * server one task after its last handle is released, and the router that hands each incoming
 * event to every subscription it matches.
 */
import {
  type Filter,
  type HeraldEvent,
  isPattern,
  patternProblem,
  type StreamPosition,
  type SubscriptionRate,
  topicMatches,
} from "@herald/protocol";
import { HeraldClientError } from "./errors.js";
import type { AnswerTo, RequestFrame } from "./requests.js";
import { type PresenceMember, Subscription } from "./subscription.js";

/** What the subscriptions need from the connection. */
export interface SubscriptionWire {
  /** Whether frames can be sent now. */
  connected(): boolean;
  /** Sends a request; `ok`/`fail` run synchronously when the answer arrives. Returns its id. */
  request<K extends "subscribe" | "unsubscribe">(
    frame: RequestFrame<K>,
    ok: (answer: AnswerTo<K>) => void,
    fail: (error: HeraldClientError) => void,
    what: string,
  ): string;
  /** A subscribe got no answer in time: drop the connection and reconnect. */
  stalled(): void;
}

export interface SubscribeOptions {
  /** Resume from a stored position: `{epoch, seq}` for a topic, `{epoch, offset}` for a pattern. */
  since?: { epoch: string; seq?: number; offset?: number };
  /**
   * Also receive `join`/`leave` events of this topic (a topic in a presence namespace; else the
   * server answers `forbidden`). A handle asking for it on a name already held without it
   * switches the shared subscription over (resubscribed from its position: nothing is lost).
   * @default false
   */
  presence?: boolean;
  /**
   * Presence metadata shown with this connection (a JSON object, at most 1024 characters as
   * JSON); the first handle's value is used. @default the token's `presence` claim
   */
  meta?: Record<string, unknown>;
  /**
   * Server-side filter: only matching events are delivered and recovered (docs/protocol.md,
   * "Filters"). The first handle's value is used for a name. @default no filter
   */
  filter?: Filter;
  /** At most one delivery every `intervalMs`, conflated or batched; the first handle's value is used. */
  rate?: SubscriptionRate;
}

export class Subscriptions {
  private readonly subs = new Map<string, Subscription<unknown>>();

  constructor(
    private readonly wire: SubscriptionWire,
    private readonly maxTrackedTopics: number,
  ) {}

  get all(): ReadonlyMap<string, Subscription<unknown>> {
    return this.subs;
  }

  /** Adds a handle to the subscription named `topic`, creating (and sending) it when new. */
  add<T>(topic: string, options: SubscribeOptions): Subscription<T> {
    const problem = patternProblem(topic);
    if (problem !== undefined) throw new HeraldClientError("invalid_topic", problem);
    const existing = this.subs.get(topic);
    if (existing !== undefined) {
      existing.refs++;
      existing.closing = false;
      if (existing.removal !== undefined) clearTimeout(existing.removal);
      existing.removal = undefined;
      if (options.presence === true && !existing.presence) this.watchPresence(existing, options.meta);
      return existing as Subscription<T>;
    }
    const sub = new Subscription<unknown>(
      topic,
      isPattern(topic),
      this.maxTrackedTopics,
      (s) => this.release(s),
      options.since,
    );
    sub.presence = options.presence === true;
    sub.meta = options.meta;
    sub.filter = options.filter;
    sub.rate = options.rate;
    this.subs.set(topic, sub);
    if (this.wire.connected()) this.send(sub);
    return sub as Subscription<T>;
  }

  /**
   * A subscription held without presence is asked for it: the server cannot change a live
   * subscription, so it is unsubscribed and subscribed again from its position (the same exact
   * recovery as a reconnect). One with a subscribe in flight switches when its ack arrives; one
   * waiting for a connection subscribes with presence.
   */
  private watchPresence(sub: Subscription<unknown>, meta: Record<string, unknown> | undefined): void {
    sub.presence = true;
    if (sub.meta === undefined) sub.meta = meta;
    if (sub.status !== "subscribed" || sub.inflight !== undefined || !this.wire.connected()) return;
    this.switchToPresence(sub);
  }

  private switchToPresence(sub: Subscription<unknown>): void {
    sub.status = "pending";
    this.wire.request(
      { type: "unsubscribe", topic: sub.name },
      () => {},
      () => {},
      "unsubscribe",
    );
    this.send(sub);
  }

  /** A `join`/`leave` frame: handed to the subscription of its topic. */
  presenceEvent(kind: "join" | "leave", topic: string, member: PresenceMember): void {
    this.subs.get(topic)?.presenceEvent(kind, member);
  }

  /** Hands an event to every subscription it matches; false when none does. */
  route(event: HeraldEvent): boolean {
    let matched = false;
    const exact = this.subs.get(event.topic);
    if (exact !== undefined) {
      matched = true;
      exact.offer(event);
    }
    for (const sub of this.subs.values()) {
      if (sub.pattern && topicMatches(sub.name, event.topic)) {
        matched = true;
        sub.offer(event);
      }
    }
    return matched;
  }

  /** A `pong` carried the stream position this node has delivered up to: idle patterns catch up. */
  advancePatterns(stream: StreamPosition): void {
    for (const sub of this.subs.values()) if (sub.pattern) sub.advance(stream);
  }

  /** A connection is up: subscribe everything from its resume position. */
  resubscribeAll(): void {
    for (const sub of [...this.subs.values()]) this.send(sub);
  }

  /** Sends again the subscriptions the server refused while the token had run out. */
  retryPending(): void {
    for (const sub of [...this.subs.values()]) {
      if (sub.status === "pending" && !sub.closing) this.send(sub);
    }
  }

  /** The connection is gone: nothing is in flight; the server dropped every subscription. */
  connectionLost(): void {
    for (const sub of [...this.subs.values()]) {
      sub.inflight = undefined;
      if (sub.closing) this.finishRemoval(sub, false);
      else if (sub.status === "subscribed") sub.status = "pending";
    }
  }

  private send(sub: Subscription<unknown>): void {
    if (sub.inflight !== undefined) return; // e.g. subscribed from a `state` listener just before resubscribeAll
    const since = sub.since();
    const frame: RequestFrame<"subscribe"> = { type: "subscribe", topic: sub.name };
    if (since !== undefined) frame.since = since;
    const withPresence = sub.presence;
    if (withPresence) frame.presence = true;
    if (sub.meta !== undefined) frame.meta = sub.meta;
    if (sub.filter !== undefined) frame.filter = sub.filter;
    if (sub.rate !== undefined) frame.rate = sub.rate;
    sub.inflight = this.wire.request(
      frame,
      (ack) => {
        sub.inflight = undefined;
        if (sub.closing) this.finishRemoval(sub, true);
        else {
          sub.acked(ack, since);
          // Asked for presence while this subscribe (without it) was in flight: switch over now.
          if (sub.presence && !withPresence && sub.status === "subscribed") this.switchToPresence(sub);
        }
      },
      (err) => {
        sub.inflight = undefined;
        if (err.code === "connection_lost") return; // resubscribed after the reconnect
        if (err.code === "request_timeout") {
          this.wire.stalled();
          return;
        }
        if (err.code === "token_expired" && !sub.closing) return; // retried after the refresh or reconnect
        if (this.subs.get(sub.name) === sub) this.subs.delete(sub.name);
        if (sub.closing) sub.ended();
        else sub.failed(err);
      },
      `subscribe to "${sub.name}"`,
    );
  }

  private release(sub: Subscription<unknown>): void {
    if (sub.status === "unsubscribed" || sub.refs <= 0) return;
    sub.refs--;
    if (sub.refs > 0 || sub.removal !== undefined) return;
    // Deferred one task: React StrictMode and hot reload release and re-acquire at once.
    sub.removal = setTimeout(() => {
      sub.removal = undefined;
      if (sub.refs > 0) return;
      if (sub.inflight !== undefined) sub.closing = true;
      else this.finishRemoval(sub, sub.status === "subscribed");
    }, 0);
  }

  private finishRemoval(sub: Subscription<unknown>, tellServer: boolean): void {
    if (this.subs.get(sub.name) === sub) this.subs.delete(sub.name);
    if (tellServer && this.wire.connected()) {
      // not_subscribed or a lost connection both leave the server without it: nothing to handle.
      this.wire.request(
        { type: "unsubscribe", topic: sub.name },
        () => {},
        () => {},
        "unsubscribe",
      );
    }
    sub.ended();
  }
}
