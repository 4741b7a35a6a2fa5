/** Row ⇄ object mapping and ids shared by the SQL stores. */
import { randomBytes } from "node:crypto";
import type { HeraldEvent } from "@herald/protocol";
import type { Notification, NotificationInput, Priority } from "./inbox-store.js";

export interface EventRow {
  topic: string;
  seq: number | string;
  stream_offset: number | string;
  id: string;
  epoch: string;
  event: string;
  ts: number | string;
  data: string;
  source: string | null;
  sig: string | null;
}

export function eventOf(r: EventRow): HeraldEvent {
  const e: HeraldEvent = {
    id: r.id,
    topic: r.topic,
    event: r.event,
    data: JSON.parse(r.data),
    timestamp: Number(r.ts),
    seq: Number(r.seq),
    epoch: r.epoch,
    offset: Number(r.stream_offset),
  };
  if (r.source !== null) e.source = r.source;
  if (r.sig !== null) e.sig = r.sig;
  return e;
}

/** The columns of `herald_events` in insert order. */
export function eventValues(e: HeraldEvent): unknown[] {
  return [
    e.topic,
    e.seq,
    e.offset,
    e.id,
    e.epoch,
    e.event,
    e.timestamp,
    JSON.stringify(e.data ?? null),
    e.source ?? null,
    e.sig ?? null,
  ];
}

export interface NotificationRow {
  id: string;
  recipient: string;
  title: string;
  message: string;
  type: string;
  priority: string;
  action_url: string | null;
  data: string | null;
  created_at: number | string;
  is_read: number | boolean;
}

export function notificationOf(r: NotificationRow): Notification {
  const n: Notification = {
    id: r.id,
    user: r.recipient,
    title: r.title,
    message: r.message,
    type: r.type,
    priority: r.priority as Priority,
    createdAt: Number(r.created_at),
    read: r.is_read === true || r.is_read === 1,
  };
  if (r.action_url !== null) n.actionUrl = r.action_url;
  if (r.data !== null) n.data = JSON.parse(r.data);
  return n;
}

let counter = 0;

/** An id that sorts by creation time (ms, then a per-process counter), then random bits. */
export function notificationId(now: number): string {
  counter = (counter + 1) % 0x1000000;
  return `${now.toString(16).padStart(12, "0")}${counter.toString(16).padStart(6, "0")}${randomBytes(4).toString("hex")}`;
}

/** Builds the stored notifications for `users` from one input. */
export function buildNotifications(users: readonly string[], input: NotificationInput, now: number): Notification[] {
  return users.map((user) => {
    const n: Notification = {
      id: notificationId(now),
      user,
      title: input.title,
      message: input.message,
      type: input.type ?? "info",
      priority: input.priority ?? "medium",
      createdAt: now,
      read: false,
    };
    if (input.actionUrl !== undefined) n.actionUrl = input.actionUrl;
    if (input.data !== undefined) n.data = input.data;
    return n;
  });
}

export function notificationValues(n: Notification): unknown[] {
  return [
    n.id,
    n.user,
    n.title,
    n.message,
    n.type,
    n.priority,
    n.actionUrl ?? null,
    n.data === undefined ? null : JSON.stringify(n.data),
    n.createdAt,
  ];
}
