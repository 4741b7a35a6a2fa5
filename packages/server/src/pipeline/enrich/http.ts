/**
 * The `http` enricher: POSTs the event (`{topic, event, id, data}`) to an external service and
 * merges the JSON object it answers into the event's `data` (under `target` when set). Each
 * attempt has a timeout; failed attempts are retried with exponential backoff; a circuit
 * breaker (cockatiel) opens after consecutive failures so a dead service costs nothing per
 * event until `halfOpenAfterMs`, when one trial call decides whether it closes again.
 */
import { HeraldError } from "@herald/protocol";
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleAll,
  handleWhen,
  type IPolicy,
  retry,
  TimeoutStrategy,
  timeout,
  wrap,
} from "cockatiel";
import type { PublishRequest } from "../../engine/broker.js";
import type { Enricher, Enrichment } from "./enricher.js";

export interface HttpEnricherOptions {
  use: "http";
  /** The service's URL (http or https). */
  url: string;
  /** Extra request headers (e.g. an API key). @default {} */
  headers?: Record<string, string>;
  /** Time allowed for one attempt. @default 1000 */
  timeoutMs?: number;
  /** Attempts after the first. @default 2 */
  retries?: number;
  /** First backoff delay between attempts, doubled each time. @default 50 */
  backoffMs?: number;
  /** Consecutive failed calls that open the breaker. @default 5 */
  breakerFailures?: number;
  /** Time the breaker stays open before one trial call. @default 10000 */
  halfOpenAfterMs?: number;
  /** Field of `data` the answer is written to; merged into `data` when absent. */
  target?: string;
}

export class HttpEnricher implements Enricher {
  readonly kind = "http";
  private readonly policy: IPolicy;
  private readonly breaker;
  /** HTTP calls attempted (retries included; calls refused by an open breaker not). */
  attempts = 0;

  constructor(private readonly options: HttpEnricherOptions) {
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: options.halfOpenAfterMs ?? 10_000,
      breaker: new ConsecutiveBreaker(options.breakerFailures ?? 5),
    });
    const retries = retry(
      handleWhen((err) => !(err instanceof BrokenCircuitError)),
      {
        maxAttempts: options.retries ?? 2,
        backoff: new ExponentialBackoff({ initialDelay: options.backoffMs ?? 50, maxDelay: 5000 }),
      },
    );
    this.policy = wrap(retries, this.breaker, timeout(options.timeoutMs ?? 1000, TimeoutStrategy.Aggressive));
  }

  /** `closed`, `open`, `half-open` or `isolated`: for health and tests. */
  get breakerState(): string {
    switch (this.breaker.state) {
      case CircuitState.Closed:
        return "closed";
      case CircuitState.Open:
        return "open";
      case CircuitState.HalfOpen:
        return "half-open";
      default:
        return "isolated";
    }
  }

  async enrich(request: PublishRequest): Promise<Enrichment | undefined> {
    const body = JSON.stringify({
      topic: request.topic,
      event: request.event ?? "message",
      id: request.id,
      data: request.data,
    });
    const answer = await this.policy.execute(async ({ signal }) => {
      this.attempts++;
      const res = await fetch(this.options.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...this.options.headers },
        body,
        signal,
      });
      if (!res.ok) throw new Error(`HTTP ${res.status} from ${this.options.url}`);
      return (await res.json()) as unknown;
    });
    if (this.options.target !== undefined) return { [this.options.target]: answer };
    if (typeof answer !== "object" || answer === null || Array.isArray(answer)) {
      throw new HeraldError("enrichment_failed", "the enrichment service did not answer a JSON object");
    }
    return answer as Enrichment;
  }
}
