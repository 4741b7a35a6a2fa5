/**
 * One backend hook: a JSON POST with a timeout, a bounded number in flight, and a circuit
 * breaker (cockatiel, as the pipeline's HTTP enricher) so a dead backend costs nothing per
 * request while the breaker is open. Answers are the backend's `{result}` or `{error}`; a
 * failure (error status, timeout, unreadable answer, open breaker, too many in flight) is
 * reported as such, for the caller's failure policy.
 */
import {
  BrokenCircuitError,
  bulkhead,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
  type IPolicy,
  TimeoutStrategy,
  timeout,
  wrap,
} from "cockatiel";
import type { Gauge, Histogram } from "prom-client";
import type { Forwarded } from "./forwarded.js";
import type { ProxyHookConfig } from "./hooks-config.js";

/** What every hook has: where to ask, how long to wait, how many at once, when to stop asking. */
export type HookCallConfig = Pick<
  ProxyHookConfig,
  "url" | "timeoutMs" | "maxInFlight" | "breakerFailures" | "halfOpenAfterMs" | "headers"
>;

/** What the backend decided, or why it could not be asked. */
export type HookAnswer =
  | { kind: "result"; result: Record<string, unknown> }
  | { kind: "error"; code: string | undefined; message: string }
  | { kind: "failed"; reason: string };

export interface HookMetrics {
  duration: Histogram<"hook" | "outcome">;
  breaker: Gauge<"hook">;
}

const STATES: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
};

/** Whether `topic` is in `namespaces` (topic prefixes by whole segments; `[]`: every topic). */
export function covers(namespaces: readonly string[], topic: string): boolean {
  return namespaces.length === 0 || namespaces.some((p) => p === "" || topic === p || topic.startsWith(`${p}.`));
}

export class ProxyHook<C extends HookCallConfig = ProxyHookConfig> {
  private readonly policy: IPolicy;
  private readonly breaker;
  /** Calls made to the backend (calls refused by the breaker or the bound not counted). */
  calls = 0;

  constructor(
    readonly name: string,
    readonly config: C,
    private readonly metrics?: HookMetrics,
  ) {
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: config.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(config.breakerFailures),
    });
    this.breaker.onStateChange((state) => metrics?.breaker.set({ hook: name }, STATES[state]));
    metrics?.breaker.set({ hook: name }, 0);
    this.policy = wrap(
      bulkhead(config.maxInFlight, 0),
      this.breaker,
      timeout(config.timeoutMs, TimeoutStrategy.Aggressive),
    );
  }

  /** `closed`, `half-open` or `open`. */
  get breakerState(): "closed" | "half-open" | "open" {
    const s = this.breaker.state;
    return s === CircuitState.Closed ? "closed" : s === CircuitState.HalfOpen ? "half-open" : "open";
  }

  /** Asks the backend, passing on the client's `forwarded` headers; never throws. */
  async ask(body: unknown, forwarded?: Forwarded): Promise<HookAnswer> {
    const end = this.metrics?.duration.startTimer({ hook: this.name });
    let answer: HookAnswer;
    try {
      const parsed = await this.policy.execute(({ signal }) => this.post(body, forwarded, signal));
      answer = parsed;
    } catch (err) {
      const reason =
        err instanceof BrokenCircuitError
          ? "the backend's circuit breaker is open"
          : (err as Error)?.name === "BulkheadRejectedError"
            ? `more than ${this.config.maxInFlight} calls in flight`
            : `the backend did not answer: ${(err as Error)?.message ?? err}`;
      answer = { kind: "failed", reason };
    }
    end?.({ outcome: answer.kind });
    return answer;
  }

  private async post(body: unknown, forwarded: Forwarded | undefined, signal: AbortSignal): Promise<HookAnswer> {
    this.calls++;
    const res = await fetch(this.config.url, {
      method: "POST",
      // The hook's own headers win over the client's (a client cannot forge the backend's key).
      headers: { ...forwarded, "content-type": "application/json", ...this.config.headers },
      body: JSON.stringify(body),
      signal,
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const answer = (await res.json()) as { result?: unknown; error?: { code?: unknown; message?: unknown } };
    if (typeof answer.error === "object" && answer.error !== null) {
      const code = typeof answer.error.code === "string" ? answer.error.code : undefined;
      return { kind: "error", code, message: String(answer.error.message ?? "refused by the backend") };
    }
    if (typeof answer.result === "object" && answer.result !== null && !Array.isArray(answer.result)) {
      return { kind: "result", result: answer.result as Record<string, unknown> };
    }
    throw new Error('the answer has neither "result" nor "error"');
  }
}
