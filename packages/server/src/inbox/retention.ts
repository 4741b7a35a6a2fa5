/**
 * Inbox retention: a background sweep that keeps each addressee's newest `maxPerUser`
 * notifications and drops those older than `ttlDays`, on whichever store is configured.
 * It only sweeps a store that is already open (the store opens on first use), so a gateway
 * with no inbox traffic never creates a database just to prune it.
 */
import type { Logger } from "../log.js";
import type { InboxStore } from "../store/inbox-store.js";
import type { StoreAccess } from "../store/lazy-store.js";

export interface InboxRetentionOptions {
  /** Newest notifications kept per addressee; 0 keeps all. @default 1000 */
  maxPerUser: number;
  /** Days a notification is kept; 0 keeps them forever. @default 90 */
  ttlDays: number;
  /** Interval of the sweep, ms. @default 30000 */
  sweepMs: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

const DAY_MS = 86_400_000;

export class InboxRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: StoreAccess<InboxStore>,
    private readonly options: InboxRetentionOptions,
    private readonly log?: Logger,
  ) {}

  /** True when there is anything to enforce. */
  get enabled(): boolean {
    return this.options.maxPerUser > 0 || this.options.ttlDays > 0;
  }

  /** Starts the periodic sweep (no-op when both limits are 0). */
  start(): void {
    if (!this.enabled || this.timer !== undefined) return;
    this.timer = setInterval(() => void this.sweep(), this.options.sweepMs);
    this.timer.unref(); // never keeps the process alive on its own
  }

  /**
   * One sweep now; resolves with how many notifications were removed. Overlapping calls share
   * the running sweep. Failures are logged and count as 0: the next sweep tries again.
   */
  sweep(): Promise<number> {
    if (!this.enabled || !this.store.opened) return Promise.resolve(0);
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    const now = (this.options.now ?? Date.now)();
    const before = this.options.ttlDays > 0 ? now - this.options.ttlDays * DAY_MS : 0;
    try {
      const removed = await (await this.store.get()).pruneNotifications(this.options.maxPerUser, before);
      if (removed > 0) this.log?.debug({ removed }, "inbox retention removed notifications");
      return removed;
    } catch (err) {
      this.log?.warn({ err }, "inbox retention sweep failed");
      return 0;
    }
  }

  /** Stops the sweep and waits for a running one (the store closes after this). */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
