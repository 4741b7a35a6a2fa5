/**
 * The Herald client: one logical connection that survives network loss, server restarts and
 * token expiry. It reconnects with backoff, resubscribes every subscription from its last
 * position so missed events arrive first (exactly once, in order), refreshes tokens when the
 * server asks, keeps the connection alive with pings and holds publishes while offline.
 * This is the facade: the socket and its lifecycle are `Connection` (connection.ts),
 * subscriptions `Subscriptions`, publishes `Publisher`.
 * No Node-only imports: the same code runs in browsers.
 */
import {
  type HeraldEvent,
  type HistoryAck,
  type PublishAck,
  type PublishFrame,
  type TopicPosition,
  topicProblem,
} from "@herald/protocol";
import { Connection } from "./connection.js";
import { Emitter } from "./emitter.js";
import { HeraldClientError } from "./errors.js";
import { randomId } from "./ids.js";
import { InboxApi, inboxEvent, type Notification, type UnreadChanged } from "./inbox.js";
import { type ClientOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { Publisher } from "./publisher.js";
import type { RequestFrame } from "./requests.js";
import type { ConnectionState } from "./state.js";
import type { PresenceMember, Subscription } from "./subscription.js";
import { type SubscribeOptions, Subscriptions, type SubscriptionWire } from "./subscriptions.js";
import type { PayloadOf, TopicMap } from "./topic-map.js";

export type { SubscribeOptions };

export interface ClientEvents {
  /** The connection state changed. */
  state: ConnectionState;
  /** An event on a topic the client has no subscription for (`broadcast`, the user's `user.<id>`). */
  message: HeraldEvent;
  /** An error not tied to a request (a server `error` frame without id, a failed token refresh). */
  error: HeraldClientError;
  /** The server asked for a fresh token; it closes with 4005 after `within` ms without one. */
  refresh: { within: number };
  /** A notification arrived in the user's inbox (personal topic), or one to everyone (`user: "*"`, on `broadcast`). */
  notification: Notification;
  /** The user's unread count changed (new notification, marked read). */
  unreadCount: { unread: number };
  /** A notification to everyone raised every user's unread count by `delta`. */
  unreadChanged: UnreadChanged;
}

export interface PublishOptions {
  /** Event type name. @default "message" */
  event?: string;
  /** Idempotency key. @default a random UUID */
  id?: string;
  /** Time allowed for the ack, counted from the first send. @default requestTimeoutMs */
  timeoutMs?: number;
}

export interface HistoryOptions {
  /** Events with a seq greater than this. @default 0 */
  since?: number;
  /** At most this many (the server caps it). */
  limit?: number;
  /** @default requestTimeoutMs */
  timeoutMs?: number;
}

export interface HistoryResult<T> extends TopicPosition {
  topic: string;
  events: HeraldEvent<T>[];
  /** True when events after `since` were already trimmed from history. */
  truncated: boolean;
}

/** The answer to `presence(topic)`. */
export interface PresenceResult {
  topic: string;
  /** Members (connections) on the topic. */
  count: number;
  /** The members, unless the topic has more than the server's `presence.maxMembers`. */
  members?: PresenceMember[];
}

/**
 * The client. `M` maps topics or patterns to payload types (topic-map.ts), so subscriptions
 * are typed by name; without it every payload is `unknown` unless given per call.
 */
// biome-ignore lint/complexity/noBannedTypes: `{}` is the empty map: no name is typed
export class HeraldClient<M extends TopicMap = {}> extends Emitter<ClientEvents> {
  readonly options: Readonly<ResolvedOptions>;
  /** The socket, its lifecycle and the requests on it (connection.ts). */
  private readonly connection: Connection;
  private readonly subs: Subscriptions;
  private readonly publisher: Publisher;
  private inboxApi: InboxApi | undefined;

  constructor(options: ClientOptions) {
    super();
    this.options = resolveOptions(options);
    const connection = new Connection(this.options, {
      emit: (name: keyof ClientEvents, value: never) => this.emit(name, value),
      event: (event) => this.onEvent(event),
      presence: (kind, topic, member) => this.subs.presenceEvent(kind, topic, member),
      connected: () => {
        this.subs.resubscribeAll();
        this.publisher.pump();
      },
      lost: (failRequests) => {
        this.publisher.connectionLost();
        failRequests();
        this.subs.connectionLost();
      },
      closed: (error) => this.publisher.rejectAll(error),
      rateLimited: () => this.publisher.rateLimited(),
      patternsServed: (position) => this.subs.advancePatterns(position),
      refreshed: () => this.subs.retryPending(),
    });
    this.connection = connection;
    this.publisher = new Publisher(
      {
        connected: () => connection.connected,
        // The publish's own timer covers the wait.
        request: (frame, ok, fail) => connection.requestWith(frame, ok, fail, 0, "publish"),
        drop: (id) => connection.drop(id),
      },
      this.options.maxQueuedPublishes,
      this.options.publishRetry,
      this.options.random,
    );
    const wire: SubscriptionWire = {
      connected: () => connection.connected,
      request: (frame, ok, fail, what) => connection.requestWith(frame, ok, fail, this.options.requestTimeoutMs, what),
      stalled: () => connection.abort({ kind: "timeout", what: "subscribe" }),
    };
    this.subs = new Subscriptions(wire, this.options.maxTrackedTopics);
  }

  /** The current connection state. */
  get state(): ConnectionState {
    return this.connection.state;
  }

  /** Subscriptions currently held (by name). */
  get subscriptions(): ReadonlyMap<string, Subscription<unknown>> {
    return this.subs.all;
  }

  /** Publishes waiting for a connection. */
  get queuedPublishes(): number {
    return this.publisher.queued;
  }

  /** Starts connecting (no-op unless closed). Returns the client. */
  connect(): this {
    this.connection.connect();
    return this;
  }

  /** Closes the connection and stops reconnecting. Queued publishes are rejected with `client_closed`. Subscriptions are kept: `connect()` resumes them. */
  close(): void {
    if (this.connection.state.status === "closed") return;
    this.connection.close();
    this.publisher.rejectAll(new HeraldClientError("client_closed", "the client was closed"));
  }

  /**
   * Subscribes to a topic or a pattern (`*` one segment, `>` trailing segments). Subscribing
   * twice to the same name shares one server subscription; each handle is released with
   * `unsubscribe()`. Throws `invalid_topic` for a bad name.
   */
  subscribe<T = never, N extends string = string>(
    topic: N,
    options: SubscribeOptions = {},
  ): Subscription<[T] extends [never] ? PayloadOf<M, N> : T> {
    return this.subs.add(topic, options);
  }

  /**
   * Publishes an event and resolves with the server's ack. While disconnected the publish waits
   * in the bounded offline queue (`maxQueuedPublishes`; when full it is rejected at once with
   * `queue_full`). An unacknowledged publish is resent after a reconnect with the same id, so it
   * is delivered once. Rejects with `request_timeout` when no ack arrives within `timeoutMs`
   * (the event may still have been accepted: retrying with the same `id` is safe).
   */
  publish<T>(topic: string, data: T, options: PublishOptions = {}): Promise<PublishAck> {
    const problem = topicProblem(topic);
    if (problem !== undefined) return Promise.reject(new HeraldClientError("invalid_topic", problem));
    if (this.state.status === "closed" && this.state.reason.kind !== "idle") {
      return Promise.reject(new HeraldClientError("client_closed", "the client is closed; call connect() first"));
    }
    const frame: Omit<PublishFrame, "id"> = { type: "publish", topic, data, eventId: options.id ?? randomId() };
    if (options.event !== undefined) frame.event = options.event;
    return this.publisher.publish(frame, options.timeoutMs ?? this.options.requestTimeoutMs);
  }

  /** Reads a topic's history (waits for the connection up to `timeoutMs`). */
  async history<T = unknown>(topic: string, options: HistoryOptions = {}): Promise<HistoryResult<T>> {
    const problem = topicProblem(topic);
    if (problem !== undefined) throw new HeraldClientError("invalid_topic", problem);
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    await this.whenConnected(timeoutMs);
    const frame: RequestFrame<"history"> = { type: "history", topic };
    if (options.since !== undefined) frame.since = options.since;
    if (options.limit !== undefined) frame.limit = options.limit;
    const ack: HistoryAck = await this.connection.request(frame, timeoutMs, "history");
    return ack as HistoryAck<T>;
  }

  /**
   * Who is on a topic right now, across every node (a topic in a presence namespace; else
   * `forbidden`). `members` is absent when the topic has more than the server's
   * `presence.maxMembers`: then only `count` is known. Waits for the connection up to `timeoutMs`.
   */
  async presence(topic: string, options: { timeoutMs?: number } = {}): Promise<PresenceResult> {
    const problem = topicProblem(topic);
    if (problem !== undefined) throw new HeraldClientError("invalid_topic", problem);
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    await this.whenConnected(timeoutMs);
    const ack = await this.connection.request<"presence">({ type: "presence", topic }, timeoutMs, "presence");
    const result: PresenceResult = { topic, count: ack.count };
    if (ack.members !== undefined) result.members = ack.members;
    return result;
  }

  /**
   * Calls `method` on the application's backend through the server's `rpc` hook (docs/hooks.md)
   * and resolves to the backend's answer. Fails with `not_found` (no RPC backend or no such
   * method), `rpc_error` (the backend's refusal: its own code in `details.code`) or
   * `unavailable`. Waits for the connection up to `timeoutMs`; not retried after a drop.
   */
  async rpc<T = unknown>(method: string, data?: unknown, options: { timeoutMs?: number } = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    await this.whenConnected(timeoutMs);
    const ack = await this.connection.request<"rpc">({ type: "rpc", method, data: data ?? null }, timeoutMs, "rpc");
    return ack.data as T;
  }

  /**
   * The signed-in user's inbox over HTTP (`options.httpUrl`), authenticated with the socket's
   * token. Live changes arrive as the client's `notification`, `unreadCount` and `unreadChanged`
   * events.
   */
  get inbox(): InboxApi {
    this.inboxApi ??= new InboxApi({
      httpUrl: this.options.httpUrl,
      fetch: this.options.fetch,
      timeoutMs: this.options.requestTimeoutMs,
      token: async (fresh) => {
        const source = this.options.token;
        if (typeof source !== "function") return source;
        if (!fresh && this.connection.lastToken !== undefined) return this.connection.lastToken;
        return this.connection.token(fresh ? "refresh" : "connect");
      },
    });
    return this.inboxApi;
  }

  /** Resolves once connected; rejects when the client closes or after `timeoutMs`. */
  whenConnected(timeoutMs = this.options.requestTimeoutMs): Promise<void> {
    if (this.state.status === "connected") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              off();
              reject(new HeraldClientError("request_timeout", `not connected within ${timeoutMs} ms`));
            }, timeoutMs)
          : undefined;
      const off = this.on("state", (state) => {
        if (state.status !== "connected" && state.status !== "closed") return;
        off();
        if (timer !== undefined) clearTimeout(timer);
        if (state.status === "connected") resolve();
        else reject(new HeraldClientError("client_closed", "the client closed before connecting"));
      });
    });
  }

  /** An event from the server: to the subscriptions it matches (else `message`), and inbox events. */
  private onEvent(event: HeraldEvent): void {
    if (!this.subs.route(event)) this.emit("message", event);
    const state = this.state;
    const inbox = inboxEvent(event, state.status === "connected" ? state.user : this.connection.user);
    if (inbox?.kind === "notification") this.emit("notification", inbox.notification);
    else if (inbox?.kind === "unread") this.emit("unreadCount", { unread: inbox.unread });
    else if (inbox?.kind === "unreadChanged") this.emit("unreadChanged", inbox.change);
  }
}

/**
 * Creates a client (not yet connected: call `connect()`). `M` optionally maps topics or
 * patterns to payload types: `createClient<{ "market.price.*": Price }>(options)`.
 */
// biome-ignore lint/complexity/noBannedTypes: `{}` is the empty map: no name is typed
export function createClient<M extends TopicMap = {}>(options: ClientOptions): HeraldClient<M> {
  return new HeraldClient<M>(options);
}
