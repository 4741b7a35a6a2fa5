/**
 * The user's inbox over HTTP (`/api/me/notifications`), with the same token source as the
 * socket, and the classification of the live inbox events that arrive on the user's personal
 * topic and on `broadcast`. Uses the platform's `fetch` (browsers, Node 18+): no Node-only
 * imports.
 */
import { BROADCAST_TOPIC, type HeraldEvent, personalTopic } from "@herald/protocol";
import { HeraldClientError } from "./errors.js";

/** Priority of a notification. */
export type NotificationPriority = "low" | "medium" | "high" | "urgent";

/** A notification as its user sees it (`user` is `"*"` for a notification to everyone). */
export interface Notification<D = unknown> {
  id: string;
  user: string;
  title: string;
  message: string;
  /** Free-form kind, e.g. `validation`, `alert`. */
  type: string;
  priority: NotificationPriority;
  actionUrl?: string;
  data?: D;
  /** ms since the Unix epoch. */
  createdAt: number;
  read: boolean;
}

export interface NotificationPage<D = unknown> {
  /** Newest first. */
  notifications: Notification<D>[];
  /** The user's unread count. */
  unread: number;
  /** Pass as `before` for the next (older) page; null on the last page. */
  next: string | null;
}

export interface ListOptions {
  /** Only unread notifications. @default false */
  unread?: boolean;
  /** Page size (the server caps it at 100). @default 20 */
  limit?: number;
  /** Notifications older than this id (a page's `next`). */
  before?: string;
}

/** Data of the `unread_changed` event on `broadcast` after a notification to everyone. */
export interface UnreadChanged {
  id: string;
  /** How much every user's unread count changed. */
  delta: number;
}

/** What the inbox needs from the client. */
export interface InboxTransport {
  /** Base URL of the HTTP API (no trailing slash). */
  httpUrl: string;
  fetch: typeof fetch;
  /** The current token (`fresh`: ask the token callback for a new one). */
  token(fresh: boolean): Promise<string | undefined>;
  timeoutMs: number;
}

/**
 * The signed-in user's inbox. Every call sends the socket's token as `Authorization: Bearer`;
 * an answer `token_expired` gets one retry with a fresh token from the token callback. Errors
 * are `HeraldClientError`s with the server's code (`unauthorized`, `not_found`, `bad_request`,
 * `rate_limited` …), `request_timeout`, or `connection_lost` when the request could not be made.
 */
export class InboxApi {
  constructor(private readonly transport: InboxTransport) {}

  /** A page of notifications, newest first, with the unread count. */
  list<D = unknown>(options: ListOptions = {}): Promise<NotificationPage<D>> {
    const q = new URLSearchParams();
    if (options.unread !== undefined) q.set("unread", String(options.unread));
    if (options.limit !== undefined) q.set("limit", String(options.limit));
    if (options.before !== undefined) q.set("before", options.before);
    const query = q.toString();
    return this.call("GET", `/api/me/notifications${query === "" ? "" : `?${query}`}`);
  }

  /** The user's unread count. */
  async unreadCount(): Promise<number> {
    const body = await this.call<{ unread: number }>("GET", "/api/me/notifications/unread-count");
    return body.unread;
  }

  /** Marks one notification read; resolves with the new unread count. `not_found` when it is not in this inbox. */
  async markRead(id: string): Promise<number> {
    const body = await this.call<{ unread: number }>("POST", `/api/me/notifications/${encodeURIComponent(id)}/read`);
    return body.unread;
  }

  /** Marks every notification read; resolves with how many changed. */
  async markAllRead(): Promise<number> {
    const body = await this.call<{ marked: number }>("POST", "/api/me/notifications/read-all");
    return body.marked;
  }

  private async call<T>(method: string, path: string): Promise<T> {
    const first = await this.attempt(method, path, false);
    if (first.ok) return first.body as T;
    if (first.error.code === "token_expired") {
      const again = await this.attempt(method, path, true);
      if (again.ok) return again.body as T;
      throw again.error;
    }
    throw first.error;
  }

  private async attempt(
    method: string,
    path: string,
    fresh: boolean,
  ): Promise<{ ok: true; body: unknown } | { ok: false; error: HeraldClientError }> {
    const { httpUrl, timeoutMs } = this.transport;
    const token = await this.transport.token(fresh);
    const headers: Record<string, string> = { accept: "application/json" };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const abort = new AbortController();
    const timer = timeoutMs > 0 ? setTimeout(() => abort.abort(), timeoutMs) : undefined;
    let res: Response;
    let body: unknown;
    try {
      const request = this.transport.fetch; // unbound: a browser's fetch refuses a foreign `this`
      res = await request(`${httpUrl}${path}`, { method, headers, signal: abort.signal });
      body = await res.json().catch(() => undefined);
    } catch (err) {
      if (abort.signal.aborted) {
        throw new HeraldClientError("request_timeout", `${method} ${path}: no answer within ${timeoutMs} ms`);
      }
      throw new HeraldClientError("connection_lost", `${method} ${path} failed: ${(err as Error).message}`, {
        cause: err,
      });
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    if (res.ok) return { ok: true, body };
    const b = (body ?? {}) as { code?: unknown; error?: unknown };
    const code = typeof b.code === "string" ? b.code : res.status === 401 ? "unauthorized" : "internal";
    const message = typeof b.error === "string" ? b.error : `${method} ${path}: HTTP ${res.status}`;
    return { ok: false, error: new HeraldClientError(code as HeraldClientError["code"], message) };
  }
}

/**
 * The HTTP API's base URL for a WebSocket URL: `ws` → `http`, `wss` → `https`, and the last path
 * segment (the WebSocket endpoint, `/ws`) removed: `wss://h.example/herald/ws` →
 * `https://h.example/herald`.
 */
export function httpUrlOf(wsUrl: string): string {
  const u = new URL(wsUrl);
  u.protocol = u.protocol === "wss:" ? "https:" : "http:";
  u.pathname = u.pathname.replace(/\/[^/]*$/, "");
  u.search = "";
  u.hash = "";
  return u.toString().replace(/\/$/, "");
}

/** A live inbox event: a notification, the user's new unread count, or a change of every count. */
export type InboxEvent =
  | { kind: "notification"; notification: Notification }
  | { kind: "unread"; unread: number }
  | { kind: "unreadChanged"; change: UnreadChanged };

/** A `notification` event's data as the server stores it (its `id` identifies it). */
function isNotification(data: Record<string, unknown>): data is Record<string, unknown> & Notification {
  return typeof data.id === "string";
}

/** Reads an inbox event out of an event on the user's personal topic or `broadcast`. */
export function inboxEvent(event: HeraldEvent, user: string | undefined): InboxEvent | undefined {
  const personal = user !== undefined && event.topic === personalTopic(user);
  if (!personal && event.topic !== BROADCAST_TOPIC) return undefined;
  const data = event.data as Record<string, unknown> | null;
  if (typeof data !== "object" || data === null) return undefined;
  switch (event.event) {
    case "notification":
      return isNotification(data) ? { kind: "notification", notification: data } : undefined;
    case "unread_count":
      return personal && typeof data.unread === "number" ? { kind: "unread", unread: data.unread } : undefined;
    case "unread_changed":
      return !personal && typeof data.delta === "number" && typeof data.id === "string"
        ? { kind: "unreadChanged", change: { id: data.id, delta: data.delta } }
        : undefined;
    default:
      return undefined;
  }
}
