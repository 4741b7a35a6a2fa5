/**
 * The store: where durable history, state checkpoints and inboxes live. Two implementations
 * (`store-sqlite.ts`, the embedded default; `store-postgres.ts`) pass the shared suite
 * `test/suites/store.suite.ts` unchanged.
 *
 * Contract:
 * - `append` commits a whole batch of events in one transaction, together with each topic's
 *   position and the stream position: after it resolves, all of it survives a crash; after it
 *   rejects, none of it was written.
 * - Events are kept by `(topic, seq)` and by `offset`; reads return them in ascending order.
 *   `trim` only ever removes the oldest events of a topic.
 * - An inbox notification is readable (`listNotifications`) as soon as `addNotification`
 *   resolves; a user only ever sees rows addressed to them or to everyone (`"*"`).
 */
import type { HeraldEvent } from "@herald/protocol";

/** A durable topic's identity and last seq. */
export interface TopicMeta {
  topic: string;
  epoch: string;
  seq: number;
}

/** A checkpoint of a state topic: the document and per-key clocks after event `seq`. */
export interface StateSnapshot {
  topic: string;
  epoch: string;
  seq: number;
  state: Record<string, unknown>;
  clocks: Record<string, string>;
}

export type Priority = "low" | "medium" | "high" | "urgent";

/** What a sender gives for a notification. */
export interface NotificationInput {
  title: string;
  message: string;
  /** Free-form kind, e.g. `validation`, `alert`. @default "info" */
  type?: string;
  /** @default "medium" */
  priority?: Priority;
  actionUrl?: string;
  data?: unknown;
}

/** A stored notification as one user sees it. */
export interface Notification {
  id: string;
  /** The addressee, or `"*"` for a notification to everyone. */
  user: string;
  title: string;
  message: string;
  type: string;
  priority: Priority;
  actionUrl?: string;
  data?: unknown;
  createdAt: number;
  read: boolean;
}

export interface NotificationQuery {
  /** Only unread ones. @default false */
  unread?: boolean;
  /** Page size. */
  limit: number;
  /** Cursor: only notifications older than this id (ids sort by creation). */
  before?: string;
}

/** The user id that addresses every user. */
export const EVERYONE = "*";

export interface Store {
  /** `sqlite` or `postgres`. */
  readonly kind: string;
  /** Opens the connection and creates or migrates the schema. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** Commits one tiny write (a row of its own): resolves only when a write can commit now. */
  probe(): Promise<void>;

  // ---- durable history ----
  /** Commits events (any topics) and the stream position in one transaction. */
  append(events: readonly HeraldEvent[], stream: { epoch: string; offset: number }): Promise<void>;
  /** Every durable topic with its position. */
  topics(): Promise<TopicMeta[]>;
  /** Events of `topic` with seq > `afterSeq`, ascending, at most `limit`. */
  events(topic: string, afterSeq: number, limit: number): Promise<HeraldEvent[]>;
  /** The newest `limit` events across topics by offset, returned in ascending offset order. */
  streamTail(limit: number): Promise<HeraldEvent[]>;
  /** The stream position last committed, if any. */
  streamPosition(): Promise<{ epoch: string; offset: number } | undefined>;
  /**
   * Removes events of `topic` with seq <= `uptoSeq` or timestamp < `before`, and raises the
   * trimmed offset to the highest offset removed. Returns how many were removed.
   */
  trim(topic: string, uptoSeq: number, before: number): Promise<number>;
  /** The highest stream offset ever trimmed (0 when none): stream recovery below it is not exact. */
  trimmedOffset(): Promise<number>;

  // ---- state topics ----
  saveSnapshot(snapshot: StateSnapshot): Promise<void>;
  loadSnapshot(topic: string): Promise<StateSnapshot | undefined>;

  // ---- inbox ----
  /** Stores one notification per user (or one for everyone) and returns them. */
  addNotifications(users: readonly string[], input: NotificationInput, now: number): Promise<Notification[]>;
  /** Newest first. */
  listNotifications(user: string, query: NotificationQuery): Promise<Notification[]>;
  unreadCount(user: string): Promise<number>;
  /** Marks one notification read; false when the user cannot see it. */
  markRead(user: string, id: string): Promise<boolean>;
  /** Marks every notification the user sees read; returns how many changed. */
  markAllRead(user: string): Promise<number>;
  /**
   * Inbox retention: removes notifications created before `before` (0: none by age), then all
   * but the newest `maxPerUser` of each addressee (0: no cap; `"*"` counts as one addressee),
   * with the read marks of removed notifications to everyone. Returns how many were removed.
   */
  pruneNotifications(maxPerUser: number, before: number): Promise<number>;
}
