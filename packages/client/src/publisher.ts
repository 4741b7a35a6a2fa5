/**
 * Sends publishes and sees each one through to its ack: straight away while connected, from
 * the bounded offline queue after a (re)connect, and again after the server refused it for
 * rate (`rate_limited`).
 *
 * Rate limits. The server drops a frame over the connection's inbound rate and answers
 * `rate_limited`; the native transport cannot tell which frame that was (the frame is dropped
 * unread, so the error carries no `id`). The client therefore treats every publish in flight as
 * possibly dropped: they go back to the head of the queue, in order, and after a backoff
 * (`publishRetry`, equal jitter) the queue is sent **one publish at a time**, each after the
 * previous ack, until it is empty — a paced "careful" mode in which an error can only concern
 * the one publish in flight and nothing overtakes anything. Every resend carries the same event
 * id, so a publish that had been accepted after all is acknowledged as a duplicate and
 * delivered once. A publish refused `publishRetry.attempts` times more is rejected with
 * `rate_limited`. An answer that does carry the id (other transports, later servers) refuses
 * exactly that publish, with the same handling.
 */
import type { PublishAck, PublishFrame } from "@herald/protocol";
import { type BackoffOptions, backoffCeiling } from "./backoff.js";
import { HeraldClientError } from "./errors.js";
import { PublishQueue, type QueuedPublish } from "./publish-queue.js";
import type { AnswerTo, RequestFrame } from "./requests.js";

/** How publishes refused with `rate_limited` are retried. */
export interface PublishRetryOptions extends BackoffOptions {
  /** Retries of one publish after `rate_limited` before it is rejected with it; 0 fails at once. @default 5 */
  attempts: number;
}

export const DEFAULT_PUBLISH_RETRY: Readonly<PublishRetryOptions> = Object.freeze({
  attempts: 5,
  minMs: 200,
  maxMs: 5000,
  factor: 2,
});

/** What the publisher needs from the connection. */
export interface PublishWire {
  connected(): boolean;
  /** Sends a request with no timeout of its own; `ok`/`fail` run when it is answered. Returns its id. */
  request(
    frame: RequestFrame<"publish">,
    ok: (answer: AnswerTo<"publish">) => void,
    fail: (error: HeraldClientError) => void,
  ): string;
  /** Forgets a request (its answer, if any, is ignored). */
  drop(id: string): void;
}

export class Publisher {
  private readonly queue: PublishQueue;
  /** After a `rate_limited`: send one publish at a time until nothing waits. */
  private careful = false;
  /** Backoff step of the current careful period. */
  private level = 0;
  private pause: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly wire: PublishWire,
    maxQueued: number,
    private readonly retry: PublishRetryOptions,
    private readonly random: () => number,
  ) {
    this.queue = new PublishQueue(maxQueued);
  }

  /** Publishes waiting to be sent (offline, paused or paced). */
  get queued(): number {
    return this.queue.queued;
  }

  /** Sends (or queues) a publish; `timeoutMs` counts from now, online or offline (0: none). */
  publish(frame: Omit<PublishFrame, "id">, timeoutMs: number): Promise<PublishAck> {
    return new Promise<PublishAck>((resolve, reject) => {
      const item = this.queue.create(frame, resolve, reject);
      if (timeoutMs > 0) {
        item.timer = setTimeout(() => {
          this.finish(item);
          reject(
            new HeraldClientError(
              "request_timeout",
              `publish to "${frame.topic}": no ack within ${timeoutMs} ms (retrying with the same id is safe)`,
            ),
          );
          this.pump(); // it may have been the one paced publish in flight
        }, timeoutMs);
      }
      // Straight out only when nothing waits ahead of it (e.g. a publish from a `state` listener before the queue drains).
      if (this.wire.connected() && !this.careful && this.pause === undefined && this.queue.queued === 0) {
        this.send(item);
        return;
      }
      try {
        this.queue.enqueue(item);
      } catch (err) {
        if (item.timer !== undefined) clearTimeout(item.timer);
        reject(err);
        return;
      }
      this.pump();
    });
  }

  /** Connected: send what waits (all at once, or one at a time while careful). */
  pump(): void {
    if (!this.wire.connected() || this.pause !== undefined) return;
    if (!this.careful) {
      for (const item of this.queue.drain()) this.send(item);
      return;
    }
    if (this.queue.inFlight > 0) return;
    const next = this.queue.shift();
    if (next !== undefined) this.send(next);
    else {
      this.careful = false; // drained: back to pipelining
      this.level = 0;
    }
  }

  /**
   * An `error` frame `rate_limited` without an id: some frame was dropped, and every publish in
   * flight may be it. While paced, the one publish in flight is taken to be it (counted as an
   * attempt); in a pipelined burst none can be blamed, so none is counted — each goes back to
   * the queue, and an ack of one that was accepted after all still settles it.
   */
  rateLimited(): void {
    const inFlight = this.queue.sentItems();
    this.refused(inFlight, this.careful && inFlight.length === 1);
  }

  /** The connection is gone: unacknowledged publishes wait again (resent after the reconnect, same ids). */
  connectionLost(): void {
    if (this.pause !== undefined) clearTimeout(this.pause);
    this.pause = undefined;
    this.careful = false; // a new connection starts with a full rate budget
    this.level = 0;
    this.queue.requeueSent();
  }

  /** Rejects everything (the client closed). */
  rejectAll(error: HeraldClientError): void {
    if (this.pause !== undefined) clearTimeout(this.pause);
    this.pause = undefined;
    this.queue.rejectAll(error);
  }

  private send(item: QueuedPublish): void {
    const rid = this.wire.request(
      { ...item.frame },
      (ack) => {
        // Any of its requests may answer: the first ack settles it (a resend is then a duplicate).
        if (!this.queue.has(item)) return;
        this.finish(item);
        item.resolve(ack);
        this.pump();
      },
      (err) => {
        if (err.code === "connection_lost" || item.requestId !== rid) return; // requeued / superseded
        if (err.code === "rate_limited") {
          this.refused([item], true);
          return;
        }
        this.finish(item);
        item.reject(err);
        this.pump();
      },
    );
    if (item.requestId !== undefined) item.staleIds.push(item.requestId);
    item.requestId = rid;
    this.queue.markSent(item);
  }

  /** These publishes were (or may have been) dropped for rate: back in the queue, then paced. */
  private refused(items: QueuedPublish[], count: boolean): void {
    for (const item of items) {
      if (count && ++item.attempts > this.retry.attempts) {
        this.finish(item);
        item.reject(
          new HeraldClientError(
            "rate_limited",
            `publish to "${item.frame.topic}": refused for rate ${item.attempts} times (publishRetry.attempts = ${this.retry.attempts})`,
          ),
        );
      }
    }
    // Their requests stay registered: an ack of a frame that was accepted after all still settles it.
    this.queue.requeue(items.filter((i) => this.queue.has(i)));
    this.careful = true;
    if (this.pause !== undefined) return;
    const ceiling = backoffCeiling(this.retry, this.level++);
    const delay = Math.floor(ceiling / 2 + (this.random() * ceiling) / 2); // equal jitter: never ~0
    this.pause = setTimeout(() => {
      this.pause = undefined;
      this.pump();
    }, delay);
  }

  /** Removes a publish for good and forgets every request it was sent with. */
  private finish(item: QueuedPublish): void {
    this.queue.settle(item);
    if (item.requestId !== undefined) this.wire.drop(item.requestId);
    for (const id of item.staleIds) this.wire.drop(id);
    item.staleIds = [];
  }
}
