/**
 * The signed-in user's inbox, kept live: the newest notifications and the unread count,
 * fetched over HTTP on mount and after every reconnect, then updated by the live
 * `notification` / `unreadCount` / `unreadChanged` events of the client.
 */
import type { HeraldClientError, Notification } from "@herald/client";
import { useCallback, useEffect, useState } from "react";
import { useHeraldClient } from "./context.js";

export interface UseInboxOptions {
  /** Notifications kept in `items` (newest first). @default 20 */
  limit?: number;
  /** Only unread notifications (a notification marked read leaves `items`). @default false */
  unreadOnly?: boolean;
}

export interface InboxState<D = unknown> {
  /** The newest notifications, newest first (at most `limit`). */
  items: Notification<D>[];
  /** The user's unread count. */
  unread: number;
  /** Marks one notification read (resolves with the new unread count). */
  markRead(id: string): Promise<number>;
  /** Marks every notification read. */
  markAllRead(): Promise<void>;
  /** Until the first list arrives. */
  loading: boolean;
  /** The last failure (`unauthorized` without a user token, a failed mark …); cleared by the next success. */
  error: HeraldClientError | undefined;
}

const newestFirst = (a: Notification, b: Notification) =>
  b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Adds or replaces notifications by id, newest first, at most `limit`. */
function merge<D>(list: Notification<D>[], more: Notification<D>[], limit: number, unreadOnly: boolean) {
  const byId = new Map(list.map((n) => [n.id, n]));
  for (const n of more) byId.set(n.id, n);
  return [...byId.values()]
    .filter((n) => !unreadOnly || !n.read)
    .sort(newestFirst)
    .slice(0, limit);
}

/** `{items, unread, markRead, markAllRead, loading, error}` of the signed-in user's inbox. */
export function useInbox<D = unknown>(options: UseInboxOptions = {}): InboxState<D> {
  const client = useHeraldClient();
  const limit = Math.max(1, options.limit ?? 20);
  const unreadOnly = options.unreadOnly === true;
  const [items, setItems] = useState<Notification<D>[]>([]);
  const [unread, setUnread] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<HeraldClientError | undefined>(undefined);

  useEffect(() => {
    let live = true;
    let generation = 0;
    /** Live notifications since the current fetch started: merged into its answer. */
    let arrived: Notification<D>[] = [];
    let countEvent = false;
    const fetchList = () => {
      const mine = ++generation;
      arrived = [];
      countEvent = false;
      client.inbox.list<D>({ limit, unread: unreadOnly }).then(
        (page) => {
          if (!live || mine !== generation) return;
          setItems(merge(page.notifications, arrived, limit, unreadOnly));
          if (!countEvent) setUnread(page.unread); // a pushed count is newer than the list's
          setLoading(false);
          setError(undefined);
        },
        (err: HeraldClientError) => {
          if (!live || mine !== generation) return;
          setLoading(false);
          setError(err);
        },
      );
    };
    let wasDown = false;
    const offs = [
      client.on("notification", (n) => {
        const note = n as Notification<D>;
        arrived.push(note);
        setItems((list) => merge(list, [note], limit, unreadOnly));
      }),
      client.on("unreadCount", ({ unread: value }) => {
        countEvent = true;
        setUnread(value);
      }),
      client.on("unreadChanged", ({ delta }) => setUnread((value) => value + delta)),
      client.on("state", (s) => {
        if (s.status === "connected") {
          if (wasDown) fetchList(); // events may have been missed while away
          wasDown = false;
        } else if (s.status === "disconnected" || s.status === "closed") wasDown = true;
      }),
    ];
    fetchList();
    return () => {
      live = false;
      for (const off of offs) off();
    };
  }, [client, limit, unreadOnly]);

  const markRead = useCallback(
    async (id: string) => {
      try {
        const value = await client.inbox.markRead(id);
        setUnread(value);
        setItems((list) => list.flatMap((n) => (n.id !== id ? [n] : unreadOnly ? [] : [{ ...n, read: true }])));
        setError(undefined);
        return value;
      } catch (err) {
        setError(err as HeraldClientError);
        throw err;
      }
    },
    [client, unreadOnly],
  );

  const markAllRead = useCallback(async () => {
    try {
      await client.inbox.markAllRead();
      setUnread(0);
      setItems((list) => (unreadOnly ? [] : list.map((n) => (n.read ? n : { ...n, read: true }))));
      setError(undefined);
    } catch (err) {
      setError(err as HeraldClientError);
      throw err;
    }
  }, [client, unreadOnly]);

  return { items, unread, markRead, markAllRead, loading, error };
}
