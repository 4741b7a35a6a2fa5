/**
 * Sends the lifecycle log's events to the backend, in the order they happened, in batches:
 * `POST {url}` with `{"events": [...]}`, signed as the alert webhooks are (`X-Herald-Timestamp`,
 * `X-Herald-Signature: sha256=HMAC(secret, "{timestamp}.{body}")`, `X-Herald-Delivery`: the
 * first event's id). One node delivers at a time — the holder of a lease (always this one in a
 * single process) — so each event is POSTed by one node, not by every node. A failed batch is
 * retried with backoff, holding back the later ones (order is kept); after `attempts` failures
 * its events are dead-lettered and the queue moves on. An event is acknowledged in the log only
 * after a 2xx answer: a node that dies mid-batch leaves it to the next holder (at least once;
 * receivers de-duplicate on the event id).
 */
import { postSigned } from "../compute/alerts/webhook.js";
import type { EmitterLease } from "../engine/lease.js";
import type { Logger } from "../log.js";
import type { DeadLetterStore } from "../pipeline/dead-letter.js";
import type { LifecycleEvent } from "./lifecycle-event.js";
import type { LifecycleLog } from "./lifecycle-log.js";
import type { WebhookMetrics } from "./webhook-metrics.js";
import type { WebhooksConfig } from "./webhooks-config.js";

export class WebhookDeliverer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly wanted: ReadonlySet<string>;

  constructor(
    private readonly config: WebhooksConfig,
    private readonly log: LifecycleLog,
    private readonly lease: EmitterLease,
    private readonly deadLetters: DeadLetterStore,
    private readonly logger: Logger,
    private readonly metrics: Pick<WebhookMetrics, "events" | "posts">,
  ) {
    this.wanted = new Set(config.events);
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.config.batchIntervalMs);
    this.timer.unref();
  }

  /** Reads and sends what is queued, unless a round is under way or another node delivers. */
  tick(): Promise<void> {
    if (this.running !== undefined || this.closed || !this.lease.held) return this.running ?? Promise.resolve();
    this.running = this.drain()
      .catch((err) => this.logger.warn({ err }, "webhook delivery round failed"))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.lease.held) {
      const events = await this.log.read(this.config.batchMaxEvents);
      const last = events.at(-1);
      if (last === undefined) return;
      const batch = events.filter((e) => this.wanted.has(e.name));
      if (batch.length > 0 && !(await this.deliver(batch))) return; // stopped (closed or lease lost): the next holder resends
      await this.log.ack(last.id);
    }
  }

  /** POSTs one batch until it is accepted or dead-lettered; false when stopped before either. */
  private async deliver(batch: LifecycleEvent[]): Promise<boolean> {
    let failure = "";
    for (let attempt = 1; attempt <= this.config.attempts; attempt++) {
      if (this.closed || !this.lease.held) return false;
      try {
        const status = await this.post(batch);
        if (status >= 200 && status < 300) {
          this.metrics.posts.inc({ outcome: "ok" });
          this.metrics.events.inc({ outcome: "delivered" }, batch.length);
          return true;
        }
        failure = `HTTP ${status}`;
      } catch (err) {
        failure = (err as Error).message;
      }
      this.metrics.posts.inc({ outcome: "failed" });
      if (attempt < this.config.attempts) await this.sleep(this.backoff(attempt));
    }
    await this.deadLetter(batch, failure);
    return true;
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.config.maxBackoffMs, this.config.backoffMs * 2 ** (attempt - 1));
    return Math.round(base / 2 + (Math.random() * base) / 2); // jitter
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      t.unref();
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private post(batch: LifecycleEvent[]): Promise<number> {
    const body = JSON.stringify({ events: batch });
    return postSigned(
      this.config.url,
      this.config.secret,
      (batch[0] as LifecycleEvent).id,
      body,
      this.config.timeoutMs,
    );
  }

  private async deadLetter(batch: LifecycleEvent[], reason: string): Promise<void> {
    this.logger.warn({ first: batch[0]?.id, events: batch.length, reason }, "webhook batch failed; dead-lettered");
    for (const e of batch) {
      try {
        await this.deadLetters.add({
          source: "webhooks",
          stage: "webhook",
          code: "webhook_failed",
          reason: `${reason} after ${this.config.attempts} attempts (${this.config.url})`,
          request: { topic: e.topic ?? "webhooks", event: e.name, data: e, id: e.id },
        });
        this.metrics.events.inc({ outcome: "dead_lettered" });
      } catch (err) {
        this.logger.error({ err, id: e.id }, "webhook dead letter not kept");
      }
    }
  }

  /** Stops: a round under way ends after its current POST (unacknowledged events stay queued). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.wake?.();
    await this.running;
  }
}
