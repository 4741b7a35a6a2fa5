/**
 * Outgoing alert webhooks. Each delivery is a POST of the alert as JSON with
 * `X-Herald-Timestamp` (Unix seconds), `X-Herald-Delivery` (the alert event id) and
 * `X-Herald-Signature: sha256=<hex>`, the HMAC-SHA256 of `"{timestamp}.{body}"` under the
 * rule's secret — a receiver recomputes it and refuses stale timestamps, so a captured request
 * cannot be replayed later. A non-2xx answer, a network error or a timeout is retried with
 * exponential backoff and jitter; after `attempts` failures the delivery goes to the
 * dead-letter store (the pipeline's `DeadLetterStore` seam, stage `webhook`) and is not retried.
 */
import { createHmac } from "node:crypto";
import type { Logger } from "../../log.js";
import type { DeadLetterStore } from "../../pipeline/dead-letter.js";
import type { WebhookConfig } from "../compute-config.js";
import type { Clock } from "../context.js";
import type { WebhookSpec } from "./rule.js";

/** The signature header value of `body` sent at `timestamp` (Unix seconds). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * POSTs `body` (JSON text) signed with `secret` (the headers above; `delivery` is the id a
 * receiver de-duplicates on); resolves to the answer's status. Redirects are not followed.
 */
export async function postSigned(
  url: string,
  secret: string,
  delivery: string,
  body: string,
  timeoutMs: number,
  nowMs: number = Date.now(),
): Promise<number> {
  const ts = Math.floor(nowMs / 1000);
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-herald-timestamp": String(ts),
      "x-herald-delivery": delivery,
      "x-herald-signature": signWebhook(secret, ts, body),
    },
    body,
    redirect: "manual",
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.arrayBuffer().catch(() => undefined); // release the connection
  return res.status;
}

/** One delivery to make. */
export interface WebhookDelivery {
  /** The alert event id (receivers de-duplicate on it). */
  id: string;
  /** The rule, for logs and the dead letter. */
  rule: string;
  /** Channel topic and event type of the alert, kept in the dead letter. */
  topic: string;
  event: string;
  payload: unknown;
  target: WebhookSpec;
}

export class WebhookSender {
  /** Deliveries under way (first try or waiting for a retry). */
  private inFlight = 0;
  private idle: Array<() => void> = [];
  private closed = false;
  readonly stats = { delivered: 0, retried: 0, deadLettered: 0 };

  constructor(
    private readonly config: WebhookConfig,
    private readonly deadLetters: DeadLetterStore,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Starts a delivery in the background. */
  send(d: WebhookDelivery): void {
    this.inFlight++;
    void this.attempt(d, 1);
  }

  private async attempt(d: WebhookDelivery, n: number): Promise<void> {
    let failure: string;
    try {
      const status = await this.post(d);
      if (status >= 200 && status < 300) {
        this.stats.delivered++;
        return this.done();
      }
      failure = `HTTP ${status}`;
    } catch (err) {
      failure = (err as Error).message;
    }
    if (n >= this.config.attempts || this.closed) {
      await this.deadLetter(d, failure, n);
      return this.done();
    }
    this.stats.retried++;
    const base = Math.min(this.config.maxBackoffMs, this.config.backoffMs * 2 ** (n - 1));
    const delay = Math.round(base / 2 + (Math.random() * base) / 2); // jitter: receivers recovering are not hit at once
    this.clock.after(delay, () => void this.attempt(d, n + 1));
  }

  private post(d: WebhookDelivery): Promise<number> {
    const body = JSON.stringify(d.payload);
    return postSigned(d.target.url, d.target.secret, d.id, body, this.config.timeoutMs, this.clock.now());
  }

  private async deadLetter(d: WebhookDelivery, reason: string, attempts: number): Promise<void> {
    this.stats.deadLettered++;
    this.log.warn({ rule: d.rule, id: d.id, attempts, reason }, "webhook delivery failed; dead-lettered");
    try {
      await this.deadLetters.add({
        source: `webhook:${d.rule}`,
        stage: "webhook",
        code: "webhook_failed",
        reason: `${reason} after ${attempts} attempts (${d.target.url})`,
        request: { topic: d.topic, event: d.event, data: d.payload, id: d.id },
      });
    } catch (err) {
      this.log.error({ err, rule: d.rule, id: d.id }, "webhook dead letter not kept");
    }
  }

  private done(): void {
    if (--this.inFlight === 0) for (const w of this.idle.splice(0)) w();
  }

  /** Resolves when no delivery is under way. */
  settled(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Stops retrying: a delivery waiting for a retry is dead-lettered at its next attempt. */
  close(): void {
    this.closed = true;
  }
}
