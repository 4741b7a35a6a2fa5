/**
 * Per-user notifications in the store. Part of `Store` (store.ts); the inbox
 * (`inbox/inbox.ts`) and its retention (`inbox/retention.ts`) are its users.
 *
 * Contract: a notification is readable (`listNotifications`) as soon as `addNotifications`
 * resolves; a user only ever sees rows addressed to them or to everyone (`"*"`).
 */

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

export interface InboxStore {
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
