/**
 * Publishes not yet acknowledged: waiting for a connection (the bounded offline queue) or sent
 * and waiting for their ack. Every publish carries an event id (generated when the caller gave
 * none), so resending one after a reconnect is safe: the server acknowledges a repeated id as
 * a duplicate and delivers it once.
 *
 * Overflow: when `max` publishes already wait for a connection, a new publish is rejected at
 * once with `queue_full`; queued publishes are never dropped to make room.
 */
import type { PublishAck, PublishFrame } from "@herald/protocol";
import { HeraldClientError } from "./errors.js";

/** The server's answer to a publish (declared with every ack in @herald/protocol). */
export type { PublishAck };

export interface QueuedPublish {
  /** Creation order: resends keep the caller's order. */
  order: number;
  frame: Omit<PublishFrame, "id">;
  resolve(ack: PublishAck): void;
  reject(error: HeraldClientError): void;
  /** Started at the first send; covers the wait for the ack across reconnects. */
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Request id while sent on the current connection. */
  requestId: string | undefined;
  /** Earlier requests of this publish that may still be answered (resent after a `rate_limited`). */
  staleIds: string[];
  /** Times the server refused it for rate. */
  attempts: number;
}

export class PublishQueue {
  /** Waiting for a connection, in order. */
  private waiting: QueuedPublish[] = [];
  /** Sent on the current connection, waiting for the ack. */
  private readonly sent = new Set<QueuedPublish>();
  private order = 0;

  constructor(private readonly max: number) {}

  get queued(): number {
    return this.waiting.length;
  }

  get inFlight(): number {
    return this.sent.size;
  }

  create(frame: Omit<PublishFrame, "id">, resolve: QueuedPublish["resolve"], reject: QueuedPublish["reject"]) {
    const item: QueuedPublish = {
      order: ++this.order,
      frame,
      resolve,
      reject,
      timer: undefined,
      requestId: undefined,
      staleIds: [],
      attempts: 0,
    };
    return item;
  }

  /** Queues a publish for the next connection; throws `queue_full` when at capacity. */
  enqueue(item: QueuedPublish): void {
    if (this.waiting.length >= this.max) {
      throw new HeraldClientError(
        "queue_full",
        `the offline publish queue holds ${this.max} publishes; this one was not queued`,
      );
    }
    this.waiting.push(item);
  }

  /** Whether the publish is still waiting or in flight. */
  has(item: QueuedPublish): boolean {
    return this.sent.has(item) || this.waiting.includes(item);
  }

  /** Publishes sent on the current connection and not acknowledged yet. */
  sentItems(): QueuedPublish[] {
    return [...this.sent];
  }

  /** Takes the oldest waiting publish (to send it now). */
  shift(): QueuedPublish | undefined {
    return this.waiting.shift();
  }

  /** Sent publishes go back to waiting, ahead of newer ones, in order (their request ids are kept). */
  requeue(items: QueuedPublish[]): void {
    if (items.length === 0) return;
    for (const item of items) this.sent.delete(item);
    this.waiting = [...items.filter((i) => !this.waiting.includes(i)), ...this.waiting].sort(
      (a, b) => a.order - b.order,
    );
  }

  markSent(item: QueuedPublish): void {
    this.sent.add(item);
  }

  /** The ack arrived, or the publish failed for good. */
  settle(item: QueuedPublish): void {
    this.sent.delete(item);
    const i = this.waiting.indexOf(item);
    if (i >= 0) this.waiting.splice(i, 1);
    if (item.timer !== undefined) clearTimeout(item.timer);
  }

  /** The connection dropped: publishes without an ack wait again, ahead of newer ones, in order. */
  requeueSent(): void {
    const again = [...this.sent];
    this.sent.clear();
    this.waiting = [...again, ...this.waiting].sort((a, b) => a.order - b.order);
    // Request ids restart with each connection: no id of the old one may be dropped on the new one.
    for (const item of this.waiting) {
      item.requestId = undefined;
      item.staleIds = [];
    }
  }

  /** Takes every waiting publish (to send them now). */
  drain(): QueuedPublish[] {
    const all = this.waiting;
    this.waiting = [];
    return all;
  }

  /** Rejects everything (the client closed). */
  rejectAll(error: HeraldClientError): void {
    const all = [...this.waiting, ...this.sent];
    this.waiting = [];
    this.sent.clear();
    for (const item of all) {
      if (item.timer !== undefined) clearTimeout(item.timer);
      item.reject(error);
    }
  }
}
