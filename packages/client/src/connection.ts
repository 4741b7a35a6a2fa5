/**
 * One logical connection to a Herald server: opens the WebSocket (token from the options),
 * authenticates, keeps it alive with pings, reconnects with backoff, refreshes the token when
 * the server asks, and matches answers to requests. What arrives for the application (events,
 * presence) and what a (re)connection means to subscriptions and publishes goes to the client
 * through `ConnectionHost`; the client (client.ts) is the facade over it.
 * No Node-only imports: the same code runs in browsers.
 */
import {
  CloseCode,
  type HeraldEvent,
  type RequestType,
  type ServerFrame,
  type StreamPosition,
  shouldReconnect,
  type WelcomeFrame,
} from "@herald/protocol";
import { backoffDelay } from "./backoff.js";
import { HeraldClientError } from "./errors.js";
import type { ResolvedOptions, TokenReason, WebSocketLike } from "./options.js";
import { type AnswerTo, type RequestFrame, Requests } from "./requests.js";
import type { ConnectionState, DisconnectReason } from "./state.js";
import type { PresenceMember } from "./subscription.js";

/** What the connection tells the client it serves. */
export interface ConnectionHost {
  /** Events for the application: the state, errors not tied to a request, the server asking for a token. */
  emit(name: "state", value: ConnectionState): void;
  emit(name: "error", value: HeraldClientError): void;
  emit(name: "refresh", value: { within: number }): void;
  /** An event frame (one at a time, also out of a `batch`). */
  event(event: HeraldEvent): void;
  /** A `join` / `leave` frame. */
  presence(kind: "join" | "leave", topic: string, member: PresenceMember): void;
  /** Connected (welcomed and authenticated): resubscribe, send what waits. */
  connected(): void;
  /** The socket is gone; `failRequests` fails the requests in flight (`connection_lost`). Subscriptions and queued publishes stay. */
  lost(failRequests: () => void): void;
  /** Closed for good (a terminal close code): what waits can only fail with `error`. */
  closed(error: HeraldClientError): void;
  /** The server refused a frame for rate without reading it (no id). */
  rateLimited(): void;
  /** A pong: every event of a live pattern up to `position` was sent before it. */
  patternsServed(position: StreamPosition): void;
  /** A refreshed token was accepted. */
  refreshed(): void;
}

const OPEN = 1;

export class Connection {
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
  private welcome: WelcomeFrame | undefined;
  private authPending = false;
  private userId: string | undefined;
  private serverDisconnect: { code: number; reason: string } | undefined;
  /** The token last obtained (for the socket or HTTP): the inbox's requests reuse it. */
  lastToken: string | undefined;

  constructor(
    private readonly options: Readonly<ResolvedOptions>,
    private readonly host: ConnectionHost,
  ) {}

  /** The current connection state. */
  get state(): ConnectionState {
    return this.current;
  }

  /** The authenticated user of the current connection (from the `auth` ack), if any. */
  get user(): string | undefined {
    return this.userId;
  }

  /** Whether frames can be sent now. */
  get connected(): boolean {
    return this.current.status === "connected";
  }

  /** Starts connecting (no-op unless closed). */
  connect(): void {
    if (this.current.status !== "closed") return;
    this.attempt = 0;
    void this.open();
  }

  /** Closes the connection and stops reconnecting. */
  close(): void {
    if (this.current.status === "closed") return;
    this.teardown();
    this.setState({ status: "closed", reason: { kind: "client" } });
  }

  private setState(state: ConnectionState): void {
    this.current = state;
    this.host.emit("state", state);
  }

  private async open(): Promise<void> {
    const gen = ++this.generation;
    this.setState({ status: "connecting", attempt: this.attempt });
    let token: string | undefined;
    try {
      token = await this.token("connect");
    } catch (err) {
      if (gen !== this.generation) return;
      this.host.emit("error", asClientError(err));
      this.lost({ kind: "token", message: (err as Error).message }, undefined);
      return;
    }
    if (gen !== this.generation) return;
    let ws: WebSocketLike;
    try {
      ws = new this.options.WebSocket(this.options.url);
    } catch (err) {
      this.host.emit(
        "error",
        new HeraldClientError("connection_lost", `cannot open a WebSocket: ${err}`, { cause: err }),
      );
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
    this.userId = undefined;
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

  /** A token from `options.token` (the callback asked with `reason`); remembered as `lastToken`. */
  async token(reason: TokenReason): Promise<string | undefined> {
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
        this.userId = typeof ack.user === "string" ? ack.user : undefined;
        this.maybeConnected();
      },
      (err) => {
        if (err.code === "request_timeout") this.abort({ kind: "timeout", what: "auth" });
        else if (err.code !== "connection_lost") this.host.emit("error", err); // the server closes next
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
      user: this.userId ?? welcome.user,
      epoch: welcome.epoch,
    });
    if ((this.current as ConnectionState).status !== "connected") return; // a listener closed the client
    this.startPing();
    this.host.connected();
  }

  private onMessage(data: unknown): void {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(typeof data === "string" ? data : String(data)) as Record<string, unknown>;
    } catch (err) {
      this.host.emit(
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
      case "event":
        this.host.event(frame);
        return;
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
          if (frame.code === "rate_limited") this.host.rateLimited();
          this.host.emit("error", new HeraldClientError(frame.code as HeraldClientError["code"], String(frame.error)));
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
          this.host.presence(frame.type, frame.topic, info);
        }
        return;
      }
      default:
        // Frames added later: ignored until a feature uses them.
        return;
    }
  }

  private async onRefresh(within: number): Promise<void> {
    this.host.emit("refresh", { within });
    if (typeof this.options.token !== "function") return; // a static token cannot be renewed
    const gen = this.generation;
    let token: string | undefined;
    try {
      token = await this.token("refresh");
    } catch (err) {
      this.host.emit("error", asClientError(err));
      return;
    }
    if (gen !== this.generation || this.current.status !== "connected" || token === undefined) return;
    this.request<"refresh">({ type: "refresh", token }, this.options.requestTimeoutMs, "refresh").then(
      () => {
        // Subscriptions refused while the old token had run out are sent again.
        this.host.refreshed();
      },
      (err) => {
        if (err.code !== "connection_lost") this.host.emit("error", asClientError(err));
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
  abort(reason: DisconnectReason): void {
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
    const old = this.requests;
    this.requests = new Requests();
    this.host.lost(() => old.failAll(new HeraldClientError("connection_lost", "the connection was lost")));
  }

  private lost(reason: DisconnectReason, code: number | undefined): void {
    this.teardown();
    const staticToken = typeof this.options.token === "string";
    const terminal = (code !== undefined && !shouldReconnect(code)) || (staticToken && code === CloseCode.tokenExpired);
    if (terminal) {
      this.setState({ status: "closed", reason });
      this.host.closed(new HeraldClientError("client_closed", `closed: ${JSON.stringify(reason)}`));
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
            this.host.patternsServed({ epoch: pong.epoch, offset: pong.offset });
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

  /** Sends a request whose answer goes to `ok`/`fail` (synchronously, in wire order); returns its id. `timeoutMs` 0: none. */
  requestWith<K extends RequestType | "ping">(
    frame: RequestFrame<K>,
    ok: (answer: AnswerTo<K>) => void,
    fail: (error: HeraldClientError) => void,
    timeoutMs: number,
    what: string,
  ): string {
    const id = this.requests.add(frame.type as K, ok, fail, timeoutMs, what);
    this.send({ id, ...frame }); // id first: a frame dropped for rate is answered with it
    return id;
  }

  /** Forgets a request (its answer, if any, is ignored). */
  drop(id: string): void {
    this.requests.drop(id);
  }

  private send(frame: object): void {
    const ws = this.ws;
    if (ws !== undefined && ws.readyState === OPEN) ws.send(JSON.stringify(frame));
  }

  /** Sends a request and resolves with its typed answer (`request_timeout` after `timeoutMs`). */
  request<K extends RequestType>(frame: RequestFrame<K>, timeoutMs: number, what: string): Promise<AnswerTo<K>> {
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
