/** Types of relative-time.js, for the TypeScript e2e test. */
export function relativeTime(iso: string, now?: number): string;
export function badgeText(unread: number): string;
