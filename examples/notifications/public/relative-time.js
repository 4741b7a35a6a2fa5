// The NotificationBell's time display (plan 003): "Just now" under a minute, then minutes,
// hours and days ago up to a week, then the date.
export function relativeTime(iso, now = Date.now()) {
  const seconds = Math.max(0, (now - new Date(iso).getTime()) / 1000);
  const plural = (n, unit) => `${n} ${unit}${n === 1 ? "" : "s"} ago`;
  if (seconds < 60) return "Just now";
  if (seconds < 3600) return plural(Math.floor(seconds / 60), "minute");
  if (seconds < 86400) return plural(Math.floor(seconds / 3600), "hour");
  if (seconds < 7 * 86400) return plural(Math.floor(seconds / 86400), "day");
  return new Date(iso).toLocaleDateString();
}

/** The badge text: the count, "99+" above 99, nothing at 0. */
export function badgeText(unread) {
  return unread > 99 ? "99+" : unread > 0 ? String(unread) : "";
}
