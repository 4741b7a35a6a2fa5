/**
 * Inbox: the signed-in user's notifications, newest first, with priority, relative time
 * ("just now", "5 minutes ago"), mark read / mark all read, and a switch for browser
 * notifications (asked only when the user presses it).
 */
import { useState } from "react";
import { useSharedInbox } from "../components/inbox-context.js";
import { relativeTime } from "../lib/format.js";
import { useNow } from "../lib/use-now.js";

function NotificationSwitch() {
  const supported = typeof Notification !== "undefined";
  const [permission, setPermission] = useState(supported ? Notification.permission : "denied");
  if (!supported) return null;
  if (permission === "granted") return <p className="muted small">Browser notifications are on.</p>;
  if (permission === "denied") return <p className="muted small">Browser notifications are blocked for this site.</p>;
  return (
    <button
      type="button"
      className="secondary"
      onClick={() => void Notification.requestPermission().then(setPermission)}
    >
      Enable browser notifications
    </button>
  );
}

export function InboxView() {
  const inbox = useSharedInbox();
  const now = useNow();
  if (inbox === null) return <p>The inbox needs a signed-in user.</p>;
  return (
    <section aria-labelledby="inbox-title">
      <div className="view-head">
        <h1 id="inbox-title">
          Inbox{" "}
          <span className="muted small" data-testid="unread-count">
            {inbox.unread} unread
          </span>
        </h1>
        <div className="row wrap">
          <NotificationSwitch />
          <button type="button" onClick={() => void inbox.markAllRead().catch(() => {})} disabled={inbox.unread === 0}>
            Mark all read
          </button>
        </div>
      </div>
      {inbox.error === undefined ? null : (
        <p className="error" role="alert">
          {inbox.error.message}
        </p>
      )}
      {inbox.loading ? <p className="muted">Loading…</p> : null}
      {!inbox.loading && inbox.items.length === 0 ? <p className="muted">No notifications.</p> : null}
      <ul className="inbox" data-testid="inbox">
        {inbox.items.map((n) => (
          <li key={n.id} className={n.read ? "note read" : "note unread"}>
            <div className="note-head">
              <span className={`prio prio-${n.priority}`}>{n.priority}</span>
              <strong>{n.title}</strong>
              <time className="muted small" dateTime={new Date(n.createdAt).toISOString()}>
                {relativeTime(n.createdAt, now)}
              </time>
            </div>
            {n.message === "" ? null : <p>{n.message}</p>}
            <div className="row">
              {n.actionUrl === undefined || !/^https?:\/\//.test(n.actionUrl) ? null : (
                <a href={n.actionUrl} rel="noopener noreferrer" target="_blank">
                  Open
                </a>
              )}
              {n.read ? (
                <span className="muted small">read</span>
              ) : (
                <button type="button" className="secondary" onClick={() => void inbox.markRead(n.id).catch(() => {})}>
                  Mark read<span className="visually-hidden">: {n.title}</span>
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
