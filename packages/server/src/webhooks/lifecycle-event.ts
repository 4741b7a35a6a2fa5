/**
 * What the outgoing webhooks tell (docs/hooks.md): a channel (topic) became occupied or empty
 * across the cluster, a presence member (a user, or an anonymous connection) arrived on a topic
 * or left it, a user connected (first connection anywhere) or disconnected (last one gone); an
 * alert rule fired or resolved; an analysis session started or finished.
 */
export const LIFECYCLE_EVENTS = [
  "channel_occupied",
  "channel_vacated",
  "member_added",
  "member_removed",
  "user_connected",
  "user_disconnected",
  "alert_firing",
  "alert_resolved",
  "stream_started",
  "stream_finished",
] as const;

export type LifecycleEventName = (typeof LIFECYCLE_EVENTS)[number];

/** The three things counted across the cluster; each goes up (first holder) and down (last one gone). */
export type LifecycleKind = "channel" | "member" | "user";

export const EVENT_NAMES: Record<LifecycleKind, { up: LifecycleEventName; down: LifecycleEventName }> = {
  channel: { up: "channel_occupied", down: "channel_vacated" },
  member: { up: "member_added", down: "member_removed" },
  user: { up: "user_connected", down: "user_disconnected" },
};

/** The body of one event (without its id and time, which the log assigns). */
export interface LifecycleFields {
  name: LifecycleEventName;
  topic?: string;
  user?: string;
  /** An anonymous presence member's connection id. */
  client?: string;
  /** What an alert or stream event says (the alert's payload; the session's id, status, …). */
  data?: unknown;
}

/** One event as the backend receives it. */
export interface LifecycleEvent extends LifecycleFields {
  /** Unique and increasing in the order the events happened across the cluster (receivers de-duplicate on it). */
  id: string;
  /** When it happened, ms since the Unix epoch. */
  time: number;
}
