/**
 * Per-user notifications. A notification is committed to the store first, then delivered
 * live as a `notification` event on the user's personal topic (`user.<id>`), which every
 * connection of that user on every node holds; the user's new unread count follows as an
 * `unread_count` event. A notification to everyone is stored once and delivered on
 * `broadcast`, followed by one `unread_changed` event there (see `UnreadChanged`): counts
 * differ per user, so no count is broadcast. A user only ever reads and marks their own inbox.
 */
import { BROADCAST_TOPIC, HeraldError, personalTopic, topicProblem } from "@herald/protocol";
import type { Logger } from "../log.js";
import type { InboxStore } from "../store/inbox-store.js";
import { EVERYONE, type Notification, type NotificationInput, type NotificationQuery } from "../store/inbox-store.js";
import type { StoreAccess } from "../store/lazy-store.js";

/** Publishes a server event (trusted) on a topic. */
export type Publish = (topic: string, event: string, data: unknown) => Promise<unknown>;

export const PRIORITIES = ["low", "medium", "high", "urgent"] as const;

/**
 * Data of the `unread_changed` event sent on `broadcast` after a notification to everyone.
 * The new notification is unread for every user, so each user's count rose by `delta`; a
 * client either adds it to the count it holds or refetches `GET /api/me/notifications/unread-count`
 * (the authoritative count: retention or a concurrent mark-read may have changed it too).
 */
export interface UnreadChanged {
  /** The notification that changed the counts. */
  id: string;
  /** How much every user's unread count changed. */
  delta: number;
}

export class Inbox {
  constructor(
    private readonly store: StoreAccess<InboxStore>,
    private readonly publish: Publish,
    private readonly log?: Logger,
  ) {}

  /** Throws `bad_request` unless `user` can be addressed (it names a valid personal topic). */
  static checkUser(user: string): void {
    if (user === EVERYONE || topicProblem(personalTopic(user)) !== undefined) {
      throw new HeraldError("bad_request", `"${user}" is not a valid user id`);
    }
  }

  /**
   * Stores one notification per user (or one for everyone with `users = ["*"]`), then
   * delivers them live. Resolves once stored; live delivery failures are logged, not thrown,
   * because the notification is safely in the inbox.
   */
  async send(users: readonly string[], input: NotificationInput): Promise<Notification[]> {
    const everyone = users.length === 1 && users[0] === EVERYONE;
    if (!everyone) for (const u of users) Inbox.checkUser(u);
    const unique = [...new Set(users)];
    const store = await this.store.get();
    const stored = await store.addNotifications(unique, input, Date.now());
    await Promise.all(stored.map((n) => this.deliver(n)));
    return stored;
  }

  private async deliver(n: Notification): Promise<void> {
    try {
      if (n.user === EVERYONE) {
        await this.publish(BROADCAST_TOPIC, "notification", n);
        const changed: UnreadChanged = { id: n.id, delta: 1 };
        await this.publish(BROADCAST_TOPIC, "unread_changed", changed);
        return;
      }
      await this.publish(personalTopic(n.user), "notification", n);
      await this.pushUnread(n.user);
    } catch (err) {
      this.log?.warn({ err, user: n.user, id: n.id }, "live notification delivery failed (it is stored)");
    }
  }

  private async pushUnread(user: string): Promise<number> {
    const count = await (await this.store.get()).unreadCount(user);
    await this.publish(personalTopic(user), "unread_count", { unread: count });
    return count;
  }

  async list(user: string, query: NotificationQuery): Promise<Notification[]> {
    return (await this.store.get()).listNotifications(user, query);
  }

  async unread(user: string): Promise<number> {
    return (await this.store.get()).unreadCount(user);
  }

  /** Marks one notification read; `not_found` when the user cannot see it. Returns the new unread count. */
  async markRead(user: string, id: string): Promise<number> {
    if (!(await (await this.store.get()).markRead(user, id))) {
      throw new HeraldError("not_found", `no notification "${id}" in this inbox`);
    }
    return this.pushUnread(user);
  }

  /** Marks every notification read. Returns how many changed. */
  async markAllRead(user: string): Promise<number> {
    const changed = await (await this.store.get()).markAllRead(user);
    if (changed > 0) await this.pushUnread(user);
    return changed;
  }
}
