/**
 * The Herald client: one logical connection that survives network loss, server restarts and
 * token expiry. It reconnects with backoff, resubscribes every subscription from its last
 * position so missed events arrive first (exactly once, in order), refreshes tokens when the
 * server asks, keeps the connection alive with pings and holds publishes while offline.
 * No Node-only imports: the same code runs in browsers.
 */
import {
  CloseCode,
  type HeraldEvent,
  type HistoryAck,
  type PublishAck,
  type PublishFrame,
  type RequestType,
  type ServerFrame,
  shouldReconnect,
  type TopicPosition,
  topicProblem,
  type WelcomeFrame,
} from "@herald/protocol";
import { backoffDelay } from "./backoff.js";
import { Emitter } from "./emitter.js";
import { HeraldClientError } from "./errors.js";
import { randomId } from "./ids.js";
import { InboxApi, inboxEvent, type Notification, type UnreadChanged } from "./inbox.js";
import {
  type ClientOptions,
  type ResolvedOptions,
  resolveOptions,
  type TokenReason,
  type WebSocketLike,
} from "./options.js";
import { Publisher } from "./publisher.js";
import { type AnswerTo, type RequestFrame, Requests } from "./requests.js";
import type { ConnectionState, DisconnectReason } from "./state.js";
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

const OPEN = 1;

/**
 * The client. `M` maps topics or patterns to payload types (topic-map.ts), so subscriptions
 * are typed by name; without it every payload is `unknown` unless given per call.
 */
// biome-ignore lint/complexity/noBannedTypes: `{}` is the empty map: no name is typed
export class HeraldClient<M extends TopicMap = {}> extends Emitter<ClientEvents> {
  readonly options: Readonly<ResolvedOptions>;
  private current: ConnectionState = { status: "closed", reason: { kind: "idle" } };
  private ws: WebSocketLike | undefined;
  /** Bumped whenever a connection attempt is superseded; stale callbacks compare it. */
  private generation = 0;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingOut = false;
  private requests = new Requests();
  private readonly subs: Subscriptions;
  private readonly publisher: Publisher;
  private welcome: WelcomeFrame | undefined;
  private authPending = false;
  private user: string | undefined;
  private serverDisconnect: { code: number; reason: string } | undefined;
  /** The token last obtained (for the socket or HTTP): the inbox's requests reuse it. */
  private lastToken: string | undefined;
  private inboxApi: InboxApi | undefined;

  constructor(options: ClientOptions) {
    super();
    this.options = resolveOptions(options);
    this.publisher = new Publisher(
      {
        connected: () => this.current.status === "connected",
        request: (frame, ok, fail) => {
          const id = this.requests.add(frame.type, ok, fail, 0, "publish"); // the publish's own timer covers the wait
          this.send({ id, ...frame }); // id first: a frame dropped for rate is answered with it
          return id;
        },
        drop: (id) => this.requests.drop(id),
      },
      this.options.maxQueuedPublishes,
      this.options.publishRetry,
      this.options.random,
    );
    const wire: SubscriptionWire = {
      connected: () => this.current.status === "connected",
      request: (frame, ok, fail, what) => {
        const id = this.requests.add(frame.type, ok, fail, this.options.requestTimeoutMs, what);
        this.send({ id, ...frame }); // id first: a frame dropped for rate is answered with it
        return id;
      },
      stalled: () => this.abort({ kind: "timeout", what: "subscribe" }),
    };
    this.subs = new Subscriptions(wire, this.options.maxTrackedTopics);
  }

  /** The current connection state. */
  get state(): ConnectionState {
    return this.current;
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
    if (this.current.status !== "closed") return this;
    this.attempt = 0;
    void this.open();
    return this;
  }

  /** Closes the connection and stops reconnecting. Queued publishes are rejected with `client_closed`. Subscriptions are kept: `connect()` resumes them. */
  close(): void {
    if (this.current.status === "closed") return;
    this.teardown();
    this.setState({ status: "closed", reason: { kind: "client" } });
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
    if (this.current.status === "closed" && this.current.reason.kind !== "idle") {
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
    const ack: HistoryAck = await this.request(frame, timeoutMs, "history");
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
    const ack = await this.request<"presence">({ type: "presence", topic }, timeoutMs, "presence");
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
    const ack = await this.request<"rpc">({ type: "rpc", method, data: data ?? null }, timeoutMs, "rpc");
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
        if (!fresh && this.lastToken !== undefined) return this.lastToken;
        return this.token(fresh ? "refresh" : "connect");
      },
    });
    return this.inboxApi;
  }

  /** Resolves once connected; rejects when the client closes or after `timeoutMs`. */
  whenConnected(timeoutMs = this.options.requestTimeoutMs): Promise<void> {
    if (this.current.status === "connected") return Promise.resolve();
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

  // ---- connection lifecycle ----

  private setState(state: ConnectionState): void {
    this.current = state;
    this.emit("state", state);
  }

  private async open(): Promise<void> {
    const gen = ++this.generation;
    this.setState({ status: "connecting", attempt: this.attempt });
    let token: string | undefined;
    try {
      token = await this.token("connect");
    } catch (err) {
      if (gen !== this.generation) return;
      this.emit("error", asClientError(err));
      this.lost({ kind: "token", message: (err as Error).message }, undefined);
      return;
    }
    if (gen !== this.generation) return;
    let ws: WebSocketLike;
    try {
      ws = new this.options.WebSocket(this.options.url);
    } catch (err) {
      this.emit("error", new HeraldClientError("connection_lost", `cannot open a WebSocket: ${err}`, { cause: err }));
      this.lost({ kind: "network", code: 1006 }, undefined);
      return;
    }
    this.ws = ws;
    if (this.options.connectTimeoutMs > 0) {
      this.connectTimer = setTimeout(
        () => this.abort({ kind: "timeout", what: "connect" }),
        this.options.connectTimeoutMs,
      );
    }
    this.welcome = undefined;
    this.serverDisconnect = undefined;
    this.authPending = token !== undefined;
    this.user = undefined;
    ws.onopen = () => {
      if (this.ws === ws && token !== undefined) this.sendAuth(token);
    };
    ws.onmessage = (event) => {
      if (this.ws === ws) this.onMessage(event.data);
    };
    ws.onclose = (event) => {
      if (this.ws === ws) this.onClose(event.code, event.reason);
    };
    this.refusedStatus = undefined;
    // A close event always follows. Node's `ws` names the HTTP status of a refused upgrade
    // ("Unexpected server response: 401"); browsers hide it and report a plain 1006.
    ws.onerror = (event) => {
      if (this.ws !== ws) return;
      const m = /Unexpected server response: (\d{3})/.exec(String((event as { message?: unknown })?.message ?? ""));
      if (m) this.refusedStatus = Number(m[1]);
    };
  }

  /** The HTTP status that refused the current upgrade, when the WebSocket implementation tells. */
  private refusedStatus: number | undefined;

  private async token(reason: TokenReason): Promise<string | undefined> {
    const source = this.options.token;
    if (source === undefined || typeof source === "string") return source;
    let value: unknown;
    try {
      value = await source({ reason });
    } catch (err) {
      throw new HeraldClientError("token_unavailable", `the token callback failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (typeof value !== "string" || value.length === 0) {
      throw new HeraldClientError("token_unavailable", "the token callback returned no token");
    }
    this.lastToken = value;
    return value;
  }

  private sendAuth(token: string): void {
    const id = this.requests.add(
      "auth",
      (ack) => {
        this.authPending = false;
        this.user = typeof ack.user === "string" ? ack.user : undefined;
        this.maybeConnected();
      },
      (err) => {
        if (err.code === "request_timeout") this.abort({ kind: "timeout", what: "auth" });
        else if (err.code !== "connection_lost") this.emit("error", err); // the server closes next
      },
      this.options.requestTimeoutMs,
      "auth",
    );
    this.send({ type: "auth", id, token });
  }

  private maybeConnected(): void {
    const welcome = this.welcome;
    if (welcome === undefined || this.authPending || this.current.status !== "connecting") return;
    this.attempt = 0;
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.setState({
      status: "connected",
      client: welcome.client,
      user: this.user ?? welcome.user,
      epoch: welcome.epoch,
    });
    if ((this.current as ConnectionState).status !== "connected") return; // a listener closed the client
    this.startPing();
    this.subs.resubscribeAll();
    this.publisher.pump();
  }

  private onMessage(data: unknown): void {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(typeof data === "string" ? data : String(data)) as Record<string, unknown>;
    } catch (err) {
      this.emit(
        "error",
        new HeraldClientError("bad_frame", "the server sent a frame that is not JSON", { cause: err }),
      );
      return;
    }
    this.onFrameValue(frame);
  }

  /** Handles one parsed server frame. */
  private onFrameValue(value: unknown): void {
    if (typeof value !== "object" || value === null) return;
    // What the server sends; fields are still checked where a wrong one would do harm.
    const frame = value as ServerFrame;
    switch (frame.type) {
      case "event": {
        const event: HeraldEvent = frame;
        if (!this.subs.route(event)) this.emit("message", event);
        const inbox = inboxEvent(event, this.current.status === "connected" ? this.current.user : this.user);
        if (inbox?.kind === "notification") this.emit("notification", inbox.notification);
        else if (inbox?.kind === "unread") this.emit("unreadCount", { unread: inbox.unread });
        else if (inbox?.kind === "unreadChanged") this.emit("unreadChanged", inbox.change);
        return;
      }
      case "batch": {
        // A rate-limited subscription's interval: its events, in order, each handled as above.
        const events: unknown[] = Array.isArray(frame.events) ? frame.events : [];
        for (const e of events) this.onFrameValue(e);
        return;
      }
      case "ack":
      case "pong":
      case "error":
        if (typeof frame.id === "string" && this.requests.answer(frame.id, frame)) return;
        if (frame.type === "error") {
          // The server dropped a frame for rate without reading it (no id): publishes in flight are retried.
          if (frame.code === "rate_limited") this.publisher.rateLimited();
          this.emit("error", new HeraldClientError(frame.code as HeraldClientError["code"], String(frame.error)));
        }
        return;
      case "welcome":
        this.welcome = frame;
        this.maybeConnected();
        return;
      case "refresh":
        void this.onRefresh(typeof frame.within === "number" ? frame.within : 0);
        return;
      case "disconnect":
        this.serverDisconnect = { code: Number(frame.code), reason: String(frame.reason ?? "") };
        return;
      case "join":
      case "leave": {
        const info: PresenceMember | undefined = frame.info;
        if (typeof frame.topic === "string" && info !== undefined && typeof info.client === "string") {
          this.subs.presenceEvent(frame.type, frame.topic, info);
        }
        return;
      }
      default:
        // Frames added later: ignored until a feature uses them.
        return;
    }
  }

  private async onRefresh(within: number): Promise<void> {
    this.emit("refresh", { within });
    if (typeof this.options.token !== "function") return; // a static token cannot be renewed
    const gen = this.generation;
    let token: string | undefined;
    try {
      token = await this.token("refresh");
    } catch (err) {
      this.emit("error", asClientError(err));
      return;
    }
    if (gen !== this.generation || this.current.status !== "connected" || token === undefined) return;
    this.request<"refresh">({ type: "refresh", token }, this.options.requestTimeoutMs, "refresh").then(
      () => {
        // Subscriptions refused while the old token had run out are sent again.
        this.subs.retryPending();
      },
      (err) => {
        if (err.code !== "connection_lost") this.emit("error", asClientError(err));
      },
    );
  }

  private onClose(code: number, message: string): void {
    const told = this.serverDisconnect;
    let reason: DisconnectReason;
    let effective: number | undefined = code;
    const refused =
      this.refusedStatus === 401
        ? CloseCode.unauthorized
        : this.refusedStatus === 403
          ? CloseCode.forbiddenOrigin
          : undefined;
    if (told !== undefined) {
      reason = { kind: "server", code: told.code, message: told.reason };
      effective = told.code;
    } else if (refused !== undefined) {
      // A refused upgrade is as final as the close code it stands for: 401 a bad token (4500),
      // 403 an origin not allowed (4504). Retrying would only repeat it.
      const why = refused === CloseCode.unauthorized ? "token refused" : "origin not allowed";
      reason = { kind: "server", code: refused, message: `HTTP ${this.refusedStatus} on the upgrade: ${why}` };
      effective = refused;
    } else if (code === 1005 || code === 1006) reason = { kind: "network", code };
    else reason = { kind: "server", code, message };
    this.lost(reason, effective);
  }

  /** Drops the current socket on the client's own initiative and reconnects. */
  private abort(reason: DisconnectReason): void {
    if (this.ws !== undefined) this.lost(reason, undefined);
  }

  /** Releases the socket and everything tied to it; keeps subscriptions and queued publishes. */
  private teardown(): void {
    this.generation++;
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.stopPing();
    const ws = this.ws;
    this.ws = undefined;
    if (ws !== undefined) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      // Keep an error listener: closing a socket still connecting reports an error (`ws` throws without one).
      ws.onerror = () => {};
      try {
        if (ws.readyState <= OPEN) ws.close(CloseCode.normal);
      } catch {
        // closing a socket that never opened can throw in some implementations
      }
    }
    this.publisher.connectionLost();
    const old = this.requests;
    this.requests = new Requests();
    old.failAll(new HeraldClientError("connection_lost", "the connection was lost"));
    this.subs.connectionLost();
  }

  private lost(reason: DisconnectReason, code: number | undefined): void {
    this.teardown();
    const staticToken = typeof this.options.token === "string";
    const terminal = (code !== undefined && !shouldReconnect(code)) || (staticToken && code === CloseCode.tokenExpired);
    if (terminal) {
      this.setState({ status: "closed", reason });
      this.publisher.rejectAll(new HeraldClientError("client_closed", `closed: ${JSON.stringify(reason)}`));
      return;
    }
    const delay = backoffDelay(this.options.backoff, this.attempt, this.options.random);
    const attempt = this.attempt++;
    const gen = this.generation;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (gen === this.generation) void this.open();
    }, delay);
    this.setState({ status: "disconnected", reason, attempt, retryInMs: delay });
  }

  private startPing(): void {
    const every = this.options.pingIntervalMs;
    if (every <= 0) return;
    this.pingOut = false;
    this.pingTimer = setInterval(() => {
      if (this.pingOut || this.current.status !== "connected") return;
      this.pingOut = true;
      const id = this.requests.add(
        "ping",
        (pong) => {
          this.pingOut = false;
          if (typeof pong.epoch === "string" && typeof pong.offset === "number") {
            this.subs.advancePatterns({ epoch: pong.epoch, offset: pong.offset });
          }
        },
        (err) => {
          this.pingOut = false;
          if (err.code === "request_timeout") this.abort({ kind: "timeout", what: "pong" });
        },
        this.options.pongTimeoutMs,
        "ping",
      );
      this.send({ type: "ping", id });
    }, every);
  }

  private stopPing(): void {
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    this.pingOut = false;
  }

  // ---- requests ----

  private send(frame: object): void {
    const ws = this.ws;
    if (ws !== undefined && ws.readyState === OPEN) ws.send(JSON.stringify(frame));
  }

  private request<K extends RequestType>(
    frame: RequestFrame<K>,
    timeoutMs: number,
    what: string,
  ): Promise<AnswerTo<K>> {
    return new Promise((resolve, reject) => {
      const id = this.requests.add(frame.type as K, resolve, reject, timeoutMs, what);
      this.send({ id, ...frame }); // id first: a frame dropped for rate is answered with it
    });
  }
}

function asClientError(err: unknown): HeraldClientError {
  return err instanceof HeraldClientError
    ? err
    : new HeraldClientError("connection_lost", String((err as Error)?.message ?? err), { cause: err });
}

/**
 * Creates a client (not yet connected: call `connect()`). `M` optionally maps topics or
 * patterns to payload types: `createClient<{ "market.price.*": Price }>(options)`.
 */
// biome-ignore lint/complexity/noBannedTypes: `{}` is the empty map: no name is typed
export function createClient<M extends TopicMap = {}>(options: ClientOptions): HeraldClient<M> {
  return new HeraldClient<M>(options);
}
