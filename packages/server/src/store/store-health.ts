/**
 * Whether the store can commit, and the way back after an outage. The first outage error
 * marks it down (`/readyz` answers 503, store calls fail at once with `unavailable`); from then
 * on a probe (one small write) runs with backoff (50 ms doubling to `retryMaxMs`) until it
 * commits. Then the recovery listeners run (the durable log re-reads the last committed
 * positions) and only after they succeeded is the store up again — no durable publish is
 * accepted on positions that were not re-read.
 */
import type { HeraldError } from "@herald/protocol";
import type { Logger } from "../log.js";

export interface StoreHealthOptions {
  /** One write that commits when the store works again. */
  probe: () => Promise<void>;
  /** Longest pause between two probes. @default 5000 */
  retryMaxMs?: number;
  log?: Logger;
}

const FIRST_RETRY_MS = 50;

export class StoreHealth {
  private failure: HeraldError | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delay = FIRST_RETRY_MS;
  private closed = false;
  private readonly recovered: Array<() => Promise<void>> = [];

  constructor(private readonly options: StoreHealthOptions) {}

  /** True unless the store is down. */
  get ready(): boolean {
    return this.failure === undefined;
  }

  /** The outage while the store is down (what callers are answered), else undefined. */
  get down(): HeraldError | undefined {
    return this.failure;
  }

  /** Runs `listener` once the store answers again, before it is marked up; a rejection keeps it down. */
  onRecovered(listener: () => Promise<void>): void {
    this.recovered.push(listener);
  }

  /** Records an outage (once) and starts probing. */
  fail(err: HeraldError): void {
    if (this.failure !== undefined || this.closed) return;
    this.failure = err;
    this.options.log?.error(
      { err: err.cause ?? err },
      "store unavailable; durable publishes and inbox refused until it answers",
    );
    this.schedule();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.attempt(), this.delay);
    this.timer.unref();
    this.delay = Math.min(this.delay * 2, this.options.retryMaxMs ?? 5000);
  }

  private async attempt(): Promise<void> {
    this.timer = undefined;
    try {
      await this.options.probe();
      for (const l of this.recovered) await l();
    } catch (err) {
      this.options.log?.debug({ err }, "store still unavailable");
      this.schedule();
      return;
    }
    if (this.closed) return;
    this.failure = undefined;
    this.delay = FIRST_RETRY_MS;
    this.options.log?.info("store available again");
  }

  /** Stops probing. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
