/**
 * One connected client, whatever its transport: authentication, subscriptions with exact
 * recovery, publishing, history. Frames arrive already parsed and validated; every problem is
 * answered with an `error` frame carrying a registered code, never a throw.
 */
import {
  type AckOf,
  BROADCAST_TOPIC,
  type ClientFrame,
  CloseCode,
  type ErrorCode,
  HeraldError,
  type HeraldEvent,
  type HistoryFrame,
  isPattern,
  type PresenceAck,
  type PresenceEventFrame,
  type PresenceFrame,
  type PublishFrame,
  patternProblem,
  personalTopic,
  type RequestType,
  type RpcFrame,
  type ServerFrame,
  type StreamPosition,
  type SubscribeAck,
  type SubscribeFrame,
  type SubscriptionRate,
  shouldReconnect,
  type TopicPosition,
  topicMatches,
  type UnsubscribeFrame,
} from "@herald/protocol";
import type { Acl } from "./auth/acl.js";
import type { Authenticator } from "./auth/authenticator.js";
import { closeCodeForAuthError, isExpired } from "./auth/expiry.js";
import type { Principal } from "./auth/principal.js";
import type { HeraldConfig } from "./config-types.js";
import type { PublishRequest } from "./engine/broker.js";
import { eventFrame } from "./engine/broker.js";
import type { Engine } from "./engine/engine.js";
import type { PresenceInfo, PresenceWatcher } from "./engine/presence.js";
import type { ResumableState } from "./engine/resumable.js";
import type { Forwarded } from "./hooks/forwarded.js";
import type { HookCaller, Hooks } from "./hooks/hooks.js";
import type { FilterRegistry, SharedFilter } from "./hub/filters.js";
import type { Hub, HubSubscription } from "./hub/hub.js";
import type { Namespaces } from "./hub/namespaces.js";
import { OutboundEvent } from "./hub/outbound.js";
import { checkPresenceEnabled } from "./hub/presence-check.js";
import { RateGate } from "./hub/rate-gate.js";
import type { PublishBudget } from "./limits/publish-budget.js";
import { type Logger, RateLimitedLog } from "./log.js";
import type { Metrics } from "./metrics.js";
import type { PublishContext } from "./pipeline/stage.js";
import type { PathOutcome } from "./pipeline/stages.js";
import { type GapRead, goLive, type HeldSubscription, missedEvents, resumePlan } from "./session-resume.js";
import type { Sessions } from "./sessions.js";
import type { StateTopics } from "./state/state-topics.js";
import { type Answer, errorFrame } from "./transport/answer.js";
import type { Transport } from "./transport/transport.js";

/** What a session tells of presence membership (`user` absent for an anonymous connection). */
export interface MemberObserver {
  member(topic: string, user: string | undefined, client: string, joined: boolean): void;
}

let nextId = 0;
const NODE_TAG = Math.random().toString(36).slice(2, 8);

class Subscription implements HubSubscription {
  /** Live events held while recovery runs; `undefined` once live. */
  pending: OutboundEvent[] | undefined = [];
  /** Listed in the topic's presence (a presence namespace) / receiving its join and leave frames. */
  member = false;
  watching = false;
  /** A server-side subscription (`broadcast`, the personal topic): not counted, not acknowledged. */
  internal = false;
  /**
   * Offset of the first event this subscription sent (live or replayed). From there on it sends
   * every matching event, so another subscription's replay skips those: sent once per connection.
   */
  firstSent = Number.POSITIVE_INFINITY;
  /**
   * After a replay: the seq (offset for a pattern) it ended at, in the topic's epoch. A live
   * event at or below it was replayed already — on the Redis engine the pub/sub copy of an event
   * can arrive after the history read that included it — and is dropped; the first live event
   * above it (or of another epoch) clears it.
   */
  floor: { value: number; epoch: string | undefined } | undefined;

  constructor(
    readonly session: Session,
    readonly name: string,
    readonly pattern: boolean,
  ) {}

  offer(out: OutboundEvent): void {
    if (this.pending !== undefined) {
      this.pending.push(out);
      if (this.pending.length > this.session.core.config.recovery.maxEvents) {
        this.session.close(CloseCode.slowConsumer, "too many events arrived during recovery");
      }
      return;
    }
    if (this.floor !== undefined) {
      const e = out.event;
      if (
        (this.floor.epoch === undefined || this.floor.epoch === e.epoch) &&
        (this.pattern ? e.offset : e.seq) <= this.floor.value
      ) {
        return;
      }
      this.floor = undefined;
    }
    if (out.event.offset < this.firstSent) this.firstSent = out.event.offset;
    this.session.deliver(out, this.pattern);
  }

  /** Whether `event` matches this subscription and was sent through it (or is at/after its first send). */
  covers(event: HeraldEvent): boolean {
    if (event.offset < this.firstSent) return false;
    return this.pattern ? topicMatches(this.name, event.topic) : this.name === event.topic;
  }
}

/**
 * A subscription with a filter and/or a delivery rate. A subclass, so that a plain
 * subscription keeps exactly its fields and its `offer`: the hot path of the many subscribers
 * without either pays nothing for them.
 */
class ShapedSubscription extends Subscription {
  /** At most one delivery per interval (conflated or batched). */
  readonly gate: RateGate | undefined;

  constructor(
    session: Session,
    name: string,
    pattern: boolean,
    /** Only events matching it are delivered and recovered (shared with equal filters). */
    readonly filter: SharedFilter | undefined,
    rate: SubscriptionRate | undefined,
    maxHeld: number,
  ) {
    super(session, name, pattern);
    this.gate = rate === undefined ? undefined : new RateGate(rate, (events) => this.flush(events), maxHeld);
  }

  override offer(out: OutboundEvent): void {
    if (this.filter !== undefined && !this.filter.matches(out)) return;
    if (this.pending !== undefined || this.gate === undefined) super.offer(out);
    else this.gate.offer(out);
  }

  /**
   * Only events passing the filter were sent through it; a rate-limited subscription may have
   * conflated an event away, so it never claims one (another subscription's replay sends it:
   * at worst twice, never lost).
   */
  override covers(event: HeraldEvent): boolean {
    if (this.gate !== undefined) return false;
    if (this.filter !== undefined && !this.filter.test(event)) return false;
    return super.covers(event);
  }

  /** Where the gate's held events go: one batch frame, or each event (conflated latest values). */
  private flush(events: OutboundEvent[]): void {
    if (this.gate?.rate.mode === "batch") this.session.deliverBatch(this.name, events, this.pattern);
    else for (const out of events) this.session.deliver(out, this.pattern);
  }
}

/**
 * What a session reads of the gateway core: the core satisfies it (core.ts), and the session
 * does not import the core, so the two never form an import cycle (docs/architecture.md).
 */
export interface SessionHost {
  readonly config: HeraldConfig;
  readonly version: string;
  readonly namespaces: Namespaces;
  readonly hub: Hub;
  readonly acl: Acl;
  readonly authenticator: Authenticator;
  readonly anonymous: Principal;
  readonly sessions: Sessions<Session>;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly publishBudget: PublishBudget;
  readonly filters: FilterRegistry;
  readonly state: StateTopics | undefined;
  readonly engine: Engine;
  publish(request: PublishRequest, context: PublishContext): Promise<PathOutcome>;
  checkTopic(topic: unknown): asserts topic is string;
  checkPresence(who: Principal, topic: string): void;
  checkHistory(who: Principal, topic: string): void;
  /** The backend's proxy hooks, when configured. */
  readonly hooks: Hooks | undefined;
  /** Hears presence joins and leaves for the outgoing webhooks (webhooks/lifecycle-tracker.ts), when they are on. */
  readonly lifecycle: MemberObserver | undefined;
}

export class Session implements PresenceWatcher {
  readonly id = `${NODE_TAG}-${(++nextId).toString(36)}`;
  principal: Principal | undefined;
  /** The client's address (set by the transport), for the per-IP publish budget. */
  ip: string | undefined;
  /** The allow-listed headers and cookies of the connection request, passed on to the backend's hooks. */
  forwarded: Forwarded | undefined;
  private readonly subs = new Map<string, Subscription>();
  /** Server-side subscriptions every session has: `broadcast` and the user's personal topic. */
  private readonly internal = new Map<string, Subscription>();
  /** Offset of the last live event delivered: overlapping subscriptions deliver it once. */
  private lastOffset = -1;
  private closed = false;
  /** Frames being handled (awaiting the broker or store): their answers go out before a close. */
  private inflight = 0;
  /** Set once a close waits for in-flight frames: later frames are ignored. */
  private closing: { code: number; reason: string; timer: NodeJS.Timeout } | undefined;
  lastActivity = Date.now();
  /** Stream epoch announced in `welcome`; pongs carry it with the node's dispatched offset. */
  private streamEpoch: string | undefined;
  private authTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly core: SessionHost,
    readonly transport: Transport,
  ) {
    core.sessions.add(this);
    core.metrics.connections.inc({ transport: transport.kind });
  }

  get user(): string | undefined {
    return this.principal && !this.principal.anonymous ? this.principal.user : undefined;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get subscriptionCount(): number {
    return this.subs.size;
  }

  /**
   * Starts the session: authenticates an upgrade token (or asks the backend's connect hook), or
   * waits for an `auth` frame.
   */
  async open(token: string | undefined, verified?: Principal): Promise<void> {
    this.core.log.debug({ session: this.id, transport: this.transport.kind }, "connection open");
    if (token !== undefined || verified !== undefined || this.core.hooks?.connectHook !== undefined) {
      // Without a token the connect hook is asked; it may leave the choice to the usual rules
      // (a failed call under `failurePolicy: allow`).
      const answered = await this.authenticate(token, verified);
      if (answered !== undefined) {
        // No request to answer: a refusal goes out as an error frame without id (then the close).
        if (answered.answer?.kind === "error") {
          const { code, message, details } = answered.answer;
          this.error(code, message, undefined, details);
        }
        answered.next?.();
        return;
      }
    }
    if (this.core.config.auth.anonymous) {
      this.bindPrincipal(this.core.anonymous);
      if (!(await this.welcome())) return;
      this.bindImplicit(undefined);
      return;
    }
    this.authTimer = setTimeout(() => {
      if (this.principal !== undefined) return;
      authFailures(this.core).info({ code: "auth_timeout", transport: this.transport.kind });
      this.close(CloseCode.authTimeout, "no auth frame in time");
    }, this.core.config.timeouts.authMs);
    this.authTimer.unref();
  }

  /**
   * Sends `welcome`; false when the broker could not be asked for the stream position: the
   * session is then closed with 4008 (`unavailable`, reconnect after backoff) — or 1011 for
   * anything unexpected — and must not go on.
   */
  private async welcome(): Promise<boolean> {
    let stream: StreamPosition;
    try {
      stream = await this.core.engine.broker.streamPosition();
    } catch (err) {
      const e = toHeraldError(err);
      if (e.code === "internal") this.core.log.error({ err, session: this.id }, "welcome failed");
      const outage = e.code === "unavailable" || e.code === "shutting_down";
      this.close(outage ? CloseCode.unavailable : CloseCode.internalError, outage ? e.message : "internal error");
      return false;
    }
    if (this.closed) return false;
    this.streamEpoch = stream.epoch;
    const frame: ServerFrame = {
      type: "welcome",
      client: this.id,
      version: this.core.version,
      epoch: stream.epoch,
      heartbeat: this.core.config.timeouts.heartbeatMs,
    };
    if (this.user !== undefined) frame.user = this.user;
    this.send(frame);
    return true;
  }

  private addInternal(name: string): void {
    if (this.internal.has(name) || this.subs.has(name)) return;
    const sub = new Subscription(this, name, false);
    sub.pending = undefined;
    sub.internal = true;
    this.internal.set(name, sub);
    this.core.hub.add(sub);
  }

  private dropInternal(name: string): void {
    const sub = this.internal.get(name);
    if (sub === undefined) return;
    this.internal.delete(name);
    this.core.hub.remove(sub);
  }

  /** Sets who the session is; returns who it was. */
  private bindPrincipal(principal: Principal): Principal | undefined {
    const before = this.principal;
    this.core.sessions.rebind(this, before, principal);
    this.principal = principal;
    return before;
  }

  /**
   * Subscribes the session to `broadcast` and its user's personal topic. Called after `welcome`
   * went out, so no event can reach a client before its welcome.
   */
  private bindImplicit(before: Principal | undefined): void {
    const principal = this.principal;
    if (this.closed || principal === undefined) return;
    this.addInternal(BROADCAST_TOPIC);
    if (before !== undefined && !before.anonymous && before.user !== principal.user) {
      this.dropInternal(personalTopic(before.user));
    }
    if (!principal.anonymous) this.addInternal(personalTopic(principal.user));
  }

  /**
   * Who `token` (or, without one, the connection) belongs to: the backend's connect hook when it
   * is asked about such connections (docs/hooks.md), else the token's verification. `undefined`:
   * no token, and the connect hook left the choice to the usual rules.
   */
  private async principalFor(token: string | undefined): Promise<Principal | undefined> {
    const hooks = this.core.hooks;
    if (hooks?.connectHook !== undefined && (token === undefined || hooks.connectTakesTokens)) {
      const request: Parameters<Hooks["connect"]>[0] = { transport: this.transport.kind, client: this.id, ip: this.ip };
      if (token !== undefined) request.token = token;
      const principal = await hooks.connect(request, this.forwarded);
      if (principal !== undefined || token === undefined) return principal;
    }
    return token === undefined ? undefined : await this.core.authenticator.authenticate(token);
  }

  /**
   * Authenticates; `undefined` when there was nothing to authenticate with (no token, no say of
   * the backend). A refusal's `next` closes a connection that has no user yet.
   */
  private async authenticate(token: string | undefined, verified?: Principal): Promise<Answered | undefined> {
    let found: Principal | undefined;
    try {
      found = verified ?? (await this.principalFor(token));
    } catch (err) {
      const e = toHeraldError(err);
      authFailures(this.core).info({ code: e.code, reason: e.message, transport: this.transport.kind });
      const answered = refusal(e);
      if (this.principal === undefined || this.principal.anonymous) {
        answered.next = () => this.close(closeCodeForAuthError(e.code), e.message);
      }
      return answered;
    }
    if (found === undefined) return undefined;
    const principal = found;
    if (this.closed) return NOTHING;
    const first = this.principal === undefined;
    if (this.principal !== undefined && !this.principal.anonymous && principal.user !== this.principal.user) {
      return refusal(new HeraldError("forbidden", "a refreshed token must be for the same user"));
    }
    const before = this.bindPrincipal(principal);
    if (this.authTimer) clearTimeout(this.authTimer);
    this.scheduleExpiry();
    if (first && !(await this.welcome())) return NOTHING;
    this.bindImplicit(before);
    return acked<"auth">({ user: principal.user });
  }

  /** Who is asking, for the backend's hooks. */
  private caller(): HookCaller {
    return { principal: this.principal as Principal, forwarded: this.forwarded, client: this.id };
  }

  private scheduleExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    const at = this.principal?.expiresAt;
    if (at === undefined) return;
    const grace = this.core.config.timeouts.authMs;
    const askAt = Math.max(0, at - Date.now() - grace);
    this.expiryTimer = setTimeout(() => {
      this.send({ type: "refresh", within: Math.max(0, at - Date.now()) + grace });
      this.expiryTimer = setTimeout(() => this.close(CloseCode.tokenExpired, "token expired"), at - Date.now() + grace);
      this.expiryTimer.unref();
    }, askAt);
    this.expiryTimer.unref();
  }

  /**
   * Handles one parsed client frame: its answer goes to `transport.answer` with this very frame
   * object, then whatever must follow the answer (a subscription's replay) is sent. Resolves to
   * the answer, or `undefined` when nothing was answered (the session closed meanwhile).
   */
  async handle(frame: ClientFrame): Promise<Answer | undefined> {
    this.lastActivity = Date.now();
    if (this.closed || this.closing !== undefined) return undefined;
    this.inflight++;
    try {
      const { answer, next } = await this.answer(frame);
      if (answer === undefined || this.closed) return undefined;
      if (answer.kind === "error") this.core.metrics.errors.inc({ code: answer.code });
      this.transport.answer(frame, answer);
      next?.();
      return answer;
    } finally {
      this.inflight--;
      const closing = this.closing as Session["closing"]; // set meanwhile by closeWhenSettled
      if (this.inflight === 0 && closing !== undefined) this.close(closing.code, closing.reason);
    }
  }

  /**
   * Closes once every frame already accepted was answered, so an accepted publish is never left
   * without its ack by a close (4003 after a burst); frames arriving meanwhile are ignored.
   * Closes anyway after `timeouts.shutdownMs` (default 5000).
   */
  closeWhenSettled(code: number, reason: string): void {
    if (this.closed || this.closing !== undefined) return;
    if (this.inflight === 0) {
      this.close(code, reason);
      return;
    }
    const timer = setTimeout(() => this.close(code, reason), this.core.config.timeouts.shutdownMs);
    timer.unref();
    this.closing = { code, reason, timer };
  }

  /** The answer to one frame (nothing sent yet); every problem becomes an `error` answer, never a throw. */
  private async answer(frame: ClientFrame): Promise<Answered> {
    if (this.principal === undefined && frame.type !== "auth" && frame.type !== "ping") {
      return refusal(new HeraldError("unauthorized", "send an auth frame first"));
    }
    if (isExpired(this.principal) && frame.type !== "auth" && frame.type !== "refresh" && frame.type !== "ping") {
      return refusal(new HeraldError("token_expired", "token has expired; send refresh with a new token"));
    }
    try {
      switch (frame.type) {
        case "auth":
        case "refresh":
          return (await this.authenticate(frame.token)) ?? NOTHING;
        case "ping":
          return this.onPing();
        case "subscribe":
          return await this.onSubscribe(frame);
        case "unsubscribe":
          return this.onUnsubscribe(frame);
        case "publish":
          return await this.onPublish(frame);
        case "history":
          return await this.onHistory(frame);
        case "rpc":
          return await this.onRpc(frame);
        case "presence":
          return await this.onPresence(frame);
        default: {
          const never: never = frame;
          throw new Error(`unhandled frame ${(never as { type: string }).type}`);
        }
      }
    } catch (err) {
      const e = toHeraldError(err);
      if (e.code === "internal") this.core.log.error({ err, session: this.id }, "frame handling failed");
      return refusal(e);
    }
  }

  private onPing(): Answered {
    if (this.streamEpoch === undefined) return { answer: { kind: "pong" } };
    return { answer: { kind: "pong", epoch: this.streamEpoch, offset: this.core.hub.lastOffset } };
  }

  private async onPublish(frame: PublishFrame): Promise<Answered> {
    this.core.publishBudget.spend(this.ip, this.user);
    const req: PublishRequest = { topic: frame.topic, data: frame.data };
    if (frame.event !== undefined) req.event = frame.event;
    if (frame.eventId !== undefined) req.id = frame.eventId;
    if (frame.traceparent !== undefined) req.traceparent = frame.traceparent;
    // The backend's say (docs/hooks.md): a refusal throws; an allow may rewrite the data. It is
    // asked only about a publish the topic check and the ACL let through (the path checks again).
    let asked = req;
    if (this.core.hooks !== undefined) {
      const principal = this.principal as Principal;
      this.core.checkTopic(req.topic);
      if (!this.core.acl.canPublish(principal, req.topic)) {
        throw new HeraldError("forbidden", `not allowed to publish to "${req.topic}"`);
      }
      asked = await this.core.hooks.publish(this.caller(), req);
    }
    const { event, duplicate } = await this.core.publish(asked, { origin: "client", principal: this.principal });
    return acked<"publish">({
      topic: event.topic,
      eventId: event.id,
      seq: event.seq,
      epoch: event.epoch,
      offset: event.offset,
      duplicate,
    });
  }

  private async onHistory(frame: HistoryFrame): Promise<Answered> {
    this.core.checkTopic(frame.topic);
    this.core.checkHistory(this.principal as Principal, frame.topic);
    const limit = Math.min(
      frame.limit ?? this.core.config.limits.maxHistoryLimit,
      this.core.config.limits.maxHistoryLimit,
    );
    const q: { since?: number; limit: number } = { limit };
    if (frame.since !== undefined) q.since = frame.since;
    const page = await this.core.engine.broker.history(frame.topic, q);
    return acked<"history">({
      topic: frame.topic,
      epoch: page.position.epoch,
      seq: page.position.seq,
      truncated: page.truncated,
      events: page.events,
    });
  }

  private async onRpc(frame: RpcFrame): Promise<Answered> {
    // The backend answers (docs/hooks.md); without an RPC backend the method is not found.
    if (this.core.hooks === undefined) throw new HeraldError("not_found", "this server has no RPC backend (hooks.rpc)");
    const data = await this.core.hooks.rpc(this.caller(), frame.method, frame.data);
    return acked<"rpc">({ method: frame.method, data });
  }

  private async onPresence(frame: PresenceFrame): Promise<Answered> {
    this.core.checkTopic(frame.topic);
    checkPresenceEnabled(this.core, frame.topic);
    this.core.checkPresence(this.principal as Principal, frame.topic);
    const list = await this.core.engine.presence.list(frame.topic);
    const ack: PresenceAck = { topic: frame.topic, count: list.count };
    if (list.members !== undefined) ack.members = list.members;
    return acked<"presence">(ack);
  }

  private async onSubscribe(asked: SubscribeFrame): Promise<Answered> {
    let frame = asked;
    const name = frame.topic;
    const problem = patternProblem(name);
    if (problem !== undefined) throw new HeraldError("invalid_topic", problem);
    if (this.subs.has(name)) throw new HeraldError("already_subscribed", `already subscribed to "${name}"`);
    if (this.subs.size >= this.core.config.limits.maxSubscriptionsPerConnection) {
      throw new HeraldError(
        "too_many_subscriptions",
        `at most ${this.core.config.limits.maxSubscriptionsPerConnection} subscriptions per connection`,
      );
    }
    const principal = this.principal as Principal;
    if (!this.core.acl.canSubscribe(principal, name)) {
      throw new HeraldError("forbidden", `not allowed to subscribe to "${name}"`);
    }
    const pattern = isPattern(name);
    const tracked = !pattern && this.core.namespaces.of(name).presence;
    if (frame.presence === true) {
      if (!tracked) checkPresenceEnabled(this.core, name);
      this.core.checkPresence(principal, name); // join/leave frames reveal who is there
    }
    if (this.core.hooks !== undefined) {
      // The backend's say (docs/hooks.md): a refusal throws; an allow may set a filter or a rate.
      const decision = await this.core.hooks.subscribe(this.caller(), frame);
      if (decision.filter !== undefined || decision.rate !== undefined) frame = { ...frame, ...decision };
      if (this.closed) return NOTHING;
      if (this.subs.has(name)) throw new HeraldError("already_subscribed", `already subscribed to "${name}"`);
    }
    const rateProblem = frame.rate === undefined ? undefined : this.rateProblem(frame.rate.intervalMs);
    if (rateProblem !== undefined) throw new HeraldError("bad_request", rateProblem);
    const filter = frame.filter === undefined ? undefined : this.core.filters.acquire(frame.filter);
    this.dropInternal(name); // an explicit subscription replaces the implicit one
    const shaped = filter !== undefined || frame.rate !== undefined;
    const sub = shaped
      ? new ShapedSubscription(this, name, pattern, filter, frame.rate, this.core.config.subscriptions.rate.maxHeld)
      : new Subscription(this, name, pattern);
    const gate = sub instanceof ShapedSubscription ? sub.gate : undefined;
    this.subs.set(name, sub);
    this.core.hub.add(sub);
    this.core.metrics.subscriptions.inc();
    let events: HeraldEvent[] = [];
    let recovered: boolean | undefined;
    let position: TopicPosition | StreamPosition;
    const broker = this.core.engine.broker;
    const max = this.core.config.recovery.maxEvents;
    try {
      // A state topic's document must be complete here before the ack carries it (a node that
      // did not see the topic from its first event rebuilds it from the checkpoint and history).
      if (!pattern && this.core.state !== undefined) await this.core.state.ensure(name, broker);
      const since = frame.since;
      if (since !== undefined) {
        if (pattern) {
          if (since.offset === undefined)
            throw new HeraldError("invalid_position", "a pattern resumes from {epoch, offset}");
          const r = await broker.recoverPattern(name, { epoch: since.epoch, offset: since.offset }, max);
          ({ events, recovered, position } = r);
        } else {
          if (since.seq === undefined) throw new HeraldError("invalid_position", "a topic resumes from {epoch, seq}");
          const r = await broker.recoverTopic(name, { epoch: since.epoch, seq: since.seq }, max);
          ({ events, recovered, position } = r);
        }
      } else {
        position = pattern ? await broker.streamPosition() : await broker.position(name);
      }
      if (frame.presence === true) {
        sub.watching = true;
        this.core.engine.presence.watch(name, this);
      }
      if (tracked) {
        sub.member = true;
        this.core.lifecycle?.member(name, this.user, this.id, true);
        await this.core.engine.presence.join(name, this.presenceInfo(frame.meta));
      }
    } catch (err) {
      this.dropSubscription(sub);
      throw err;
    }
    if (this.closed || this.subs.get(name) !== sub) return NOTHING;
    // A state topic answers with its document; deltas then continue after the snapshot's seq.
    const snap = pattern || recovered === true ? undefined : this.core.state?.snapshot(name);
    if (snap !== undefined) position = { epoch: snap.epoch ?? (position as TopicPosition).epoch, seq: snap.seq };
    // Recovery replays only what the subscription would have received live: readable
    // (patterns), matching its filter, and — conflated — only the latest event per key.
    let replay = events.filter(
      (e) => (!pattern || this.core.acl.canRead(principal, e.topic)) && (filter === undefined || filter.test(e)),
    );
    if (gate !== undefined) replay = gate.reduce(replay);
    const ack: SubscribeAck = { topic: name, ...position };
    if (recovered !== undefined) ack.recovered = recovered;
    if (recovered) ack.replayed = replay.length;
    if (snap !== undefined) Object.assign(ack, { state: snap.state, clocks: snap.clocks });
    // The replay and the live events held meanwhile follow the ack (still held until then).
    return { answer: { kind: "ack", ack }, next: () => this.goLive(sub, gate, pattern, position, events, replay) };
  }

  /** Sends a new subscription's replay, then the live events it held, each once, and lets it go live. */
  private goLive(
    sub: Subscription,
    gate: RateGate | undefined,
    pattern: boolean,
    position: TopicPosition | StreamPosition,
    events: HeraldEvent[],
    replay: HeraldEvent[],
  ): void {
    if (this.closed || this.subs.get(sub.name) !== sub) return;
    const name = sub.name;
    // Recovery follows the rule of live delivery: an event this connection already got through
    // another (overlapping) subscription is not sent again.
    const outs: OutboundEvent[] = [];
    for (const e of replay) if (!this.sentElsewhere(sub, e)) outs.push(new OutboundEvent(e, eventFrame(e)));
    if (gate?.rate.mode === "batch" && outs.length > 0) this.sendBatch(name, outs);
    else for (const out of outs) this.transport.sendEvent(out);
    if (events[0] !== undefined) sub.firstSent = events[0].offset;
    const pending = sub.pending ?? [];
    sub.pending = undefined;
    // Live events up to what was replayed (or up to the position, for a fresh subscription) are
    // already sent or before this subscription; the later of the position and the replay's end counts.
    let last = pattern ? (position as StreamPosition).offset : (position as TopicPosition).seq;
    const tail = events[events.length - 1];
    if (tail !== undefined) last = Math.max(last, pattern ? tail.offset : tail.seq);
    for (const out of pending) {
      if ((pattern ? out.event.offset : out.event.seq) <= last) continue;
      if (out.event.offset < sub.firstSent) sub.firstSent = out.event.offset;
      if (this.sentElsewhere(sub, out.event)) continue;
      if (gate !== undefined) gate.offer(out);
      else this.deliver(out, pattern);
    }
    // Live copies of replayed events that are still on their way are dropped when they arrive.
    if (last > 0) sub.floor = { value: last, epoch: pattern ? undefined : (position as TopicPosition).epoch };
  }

  /**
   * Prepares resuming a session its transport recovered (Socket.IO connection state recovery):
   * binds the principal, re-creates the implicit subscriptions and the saved ones (holding
   * their live events), and reads every event after stream offset `after` (and after where each
   * subscription started) on them. Resolves to a function that delivers those events in stream
   * order, each once, then goes live; or to `undefined`, with nothing sent, when any part
   * cannot be recovered exactly (never a partial list: the caller discards this session).
   */
  async prepareResume(state: ResumableState, after: number): Promise<(() => void) | undefined> {
    const principal = state.principal;
    this.bindPrincipal(principal);
    if (this.authTimer) clearTimeout(this.authTimer);
    this.scheduleExpiry();
    this.streamEpoch = state.streamEpoch;
    const held: Array<HeldSubscription & { sub: Subscription }> = [];
    for (const p of resumePlan(state, after)) {
      if (!p.internal && (this.subs.has(p.name) || !this.core.acl.canSubscribe(principal, p.name))) return undefined;
      const sub = new Subscription(this, p.name, p.pattern);
      sub.internal = p.internal;
      (p.internal ? this.internal : this.subs).set(p.name, sub);
      this.core.hub.add(sub);
      if (!p.internal) this.core.metrics.subscriptions.inc();
      if (p.presence === true) {
        sub.watching = true;
        this.core.engine.presence.watch(p.name, this);
      }
      held.push({ sub, from: p.from, keep: p.keep });
    }
    const max = this.core.config.recovery.maxEvents;
    let results: GapRead[];
    try {
      results = await Promise.all(
        held.map((h) =>
          this.core.engine.broker.recoverPattern(h.sub.name, { epoch: state.streamEpoch, offset: h.from }, max),
        ),
      );
      for (const s of state.subscriptions) {
        if (!isPattern(s.name) && this.core.namespaces.of(s.name).presence) {
          const sub = this.subs.get(s.name) as Subscription;
          sub.member = true;
          this.core.lifecycle?.member(s.name, this.user, this.id, true);
          await this.core.engine.presence.join(s.name, this.presenceInfo(s.meta));
        }
      }
    } catch (err) {
      this.core.log.warn({ err, session: this.id }, "session resume failed");
      return undefined;
    }
    if (this.closed) return undefined;
    const missed = missedEvents(held, results);
    if (missed === undefined) return undefined;
    return () => {
      for (const m of goLive(held, results, missed)) this.deliver(m.out, m.pattern);
    };
  }

  /** Whether another subscription of this connection already sent `event`. */
  private sentElsewhere(sub: Subscription, event: HeraldEvent): boolean {
    for (const other of this.subs.values()) if (other !== sub && other.covers(event)) return true;
    for (const other of this.internal.values()) if (other.covers(event)) return true;
    return false;
  }

  private dropSubscription(sub: Subscription): void {
    if (this.subs.get(sub.name) === sub) this.subs.delete(sub.name);
    if (sub.watching) this.core.engine.presence.unwatch(sub.name, this);
    if (sub.member) {
      this.core.lifecycle?.member(sub.name, this.user, this.id, false);
      this.core.engine.presence
        .leave(sub.name, this.id)
        .catch((err) => this.core.log.warn({ err, session: this.id }, "presence leave failed; it expires instead"));
    }
    this.core.hub.remove(sub);
    this.core.metrics.subscriptions.dec();
    if (sub instanceof ShapedSubscription) {
      sub.gate?.close();
      if (sub.filter !== undefined) this.core.filters.release(sub.filter);
    }
  }

  /** Why a requested delivery interval is refused (config `subscriptions.rate`), if it is. */
  private rateProblem(intervalMs: number): string | undefined {
    const { minIntervalMs, maxIntervalMs } = this.core.config.subscriptions.rate;
    if (intervalMs < minIntervalMs || intervalMs > maxIntervalMs) {
      return `"rate.intervalMs" must be between ${minIntervalMs} and ${maxIntervalMs}`;
    }
    return undefined;
  }

  private onUnsubscribe(frame: UnsubscribeFrame): Answered {
    const name = frame.topic;
    const sub = this.subs.get(name);
    if (sub === undefined) throw new HeraldError("not_subscribed", `not subscribed to "${name}"`);
    this.dropSubscription(sub);
    return acked<"unsubscribe">({ topic: name });
  }

  /** This connection as a presence member; metadata from the subscribe frame, else the token's `presence` claim. */
  private presenceInfo(meta: unknown): PresenceInfo {
    const info: PresenceInfo = { client: this.id };
    if (this.user !== undefined) info.user = this.user;
    const m = meta ?? this.principal?.claims.presence;
    if (m !== undefined) info.meta = m;
    return info;
  }

  /** Sends a `join` or `leave` frame of a topic this session watches. */
  sendPresence(frame: PresenceEventFrame): void {
    this.send(frame);
  }

  /** Delivers a live event once, even when several subscriptions match it. */
  deliver(out: OutboundEvent, viaPattern: boolean): void {
    const offset = out.event.offset;
    if (offset === this.lastOffset || this.closed) return;
    if (viaPattern && !this.core.acl.canRead(this.principal as Principal, out.event.topic)) return;
    this.lastOffset = offset;
    this.transport.sendEvent(out);
  }

  /** Delivers the held events of a `batch` subscription's interval, each once, as one frame. */
  deliverBatch(subscription: string, events: OutboundEvent[], viaPattern: boolean): void {
    if (this.closed) return;
    const principal = this.principal as Principal;
    const fresh: OutboundEvent[] = [];
    for (const out of events) {
      if (out.event.offset === this.lastOffset) continue;
      if (viaPattern && !this.core.acl.canRead(principal, out.event.topic)) continue;
      this.lastOffset = out.event.offset;
      fresh.push(out);
    }
    if (fresh.length > 0) this.sendBatch(subscription, fresh);
  }

  private sendBatch(subscription: string, events: OutboundEvent[]): void {
    if (this.transport.sendBatch !== undefined) this.transport.sendBatch(subscription, events);
    else for (const out of events) this.transport.sendEvent(out);
  }

  send(frame: ServerFrame): void {
    if (!this.closed) this.transport.send(frame);
  }

  /** The close code the server chose, when it closed the session (logged). */
  private closeCode: number | undefined;

  /** Sends an `error` frame that answers no handled request (a frame that could not be read, a rate refusal) and counts it. */
  error(code: ErrorCode, message: string, id?: string, details?: unknown): void {
    this.core.metrics.errors.inc({ code });
    // An unexpected error says nothing more to the client (it is logged on the server).
    this.send(errorFrame(code, message, id, code === "internal" ? undefined : details));
  }

  /** Closes the session with a close code: sends `disconnect`, closes the wire, drops subscriptions. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.transport.send({ type: "disconnect", code, reason, reconnect: shouldReconnect(code) });
    this.core.metrics.disconnects.inc({ code: String(code) });
    this.closeCode = code;
    this.transport.close(code, reason);
    this.cleanup();
  }

  /** Releases everything the session holds; called once when the wire is gone. */
  cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.authTimer) clearTimeout(this.authTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    if (this.closing !== undefined) clearTimeout(this.closing.timer);
    for (const sub of this.subs.values()) this.dropSubscription(sub);
    for (const name of [...this.internal.keys()]) this.dropInternal(name);
    this.core.sessions.delete(this);
    this.core.metrics.connections.dec({ transport: this.transport.kind });
    this.core.log.debug(
      { session: this.id, transport: this.transport.kind, user: this.user, code: this.closeCode },
      "connection closed",
    );
  }
}

const authFailureLogs = new WeakMap<SessionHost, RateLimitedLog>();

/** Auth failures are logged at info, rate-limited per gateway (a bad client retries in a loop). */
function authFailures(core: SessionHost): RateLimitedLog {
  let log = authFailureLogs.get(core);
  if (log === undefined) {
    log = new RateLimitedLog(core.log, "auth failed");
    authFailureLogs.set(core, log);
  }
  return log;
}

/** A handled frame's answer and what must follow it once the transport has rendered it. */
interface Answered {
  /** Absent: nothing is answered (the session closed meanwhile). */
  answer?: Answer;
  next?: () => void;
}

const NOTHING: Answered = {};

function acked<K extends RequestType>(ack: AckOf[K]): Answered {
  return { answer: { kind: "ack", ack } };
}

/** An error answer; an unexpected error says nothing more to the client (it is logged on the server). */
function refusal(e: HeraldError): Answered {
  const answer: Answer = { kind: "error", code: e.code, message: e.message };
  if (e.details !== undefined && e.code !== "internal") answer.details = e.details;
  return { answer };
}

export function toHeraldError(err: unknown): HeraldError {
  if (err instanceof HeraldError) return err;
  return new HeraldError("internal", "internal error", { cause: err });
}
