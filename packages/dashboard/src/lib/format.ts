/** Small formatting rules the views share; pure functions, tested in format.test.ts. */

/** The unread badge: the count up to 99, then "99+"; nothing for 0. */
export function badgeText(unread: number): string {
  if (!(unread > 0)) return "";
  return unread > 99 ? "99+" : String(Math.floor(unread));
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

const relative = new Intl.RelativeTimeFormat("en", { numeric: "always" });

/** "just now" under a minute, then "5 minutes ago", "2 hours ago", "3 days ago" … */
export function relativeTime(at: number, now: number): string {
  const seconds = Math.round((now - at) / 1000);
  if (seconds < 60) return "just now";
  for (const [unit, size] of UNITS) {
    if (seconds >= size) return relative.format(-Math.floor(seconds / size), unit);
  }
  return "just now";
}

/** A rate with at most one decimal and thin grouping: 12345.67 → "12,345.7". */
export function formatRate(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  return n.toLocaleString("en", { maximumFractionDigits: n < 10 ? 1 : 0 });
}

/** Milliseconds with a precision that suits their size: 0.42 ms, 3.1 ms, 250 ms. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms).toLocaleString("en")} ms`;
}

/** Whether an event matches a free-text filter: its topic, type or JSON data contain the text. */
export function matchesFilter(event: { topic: string; event: string; data: unknown }, filter: string): boolean {
  const needle = filter.trim().toLowerCase();
  if (needle === "") return true;
  if (event.topic.toLowerCase().includes(needle) || event.event.toLowerCase().includes(needle)) return true;
  return JSON.stringify(event.data ?? null)
    .toLowerCase()
    .includes(needle);
}
