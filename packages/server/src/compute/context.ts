/**
 * What aggregations, alert rules and analysis sessions need from the gateway, as one small
 * interface: they read events through the hub like any subscriber and publish through the one
 * publish path. Time comes from a `Clock` so tests drive `for`, cooldowns and timeouts without
 * waiting.
 */

import type { PublishOutcome, PublishRequest } from "../engine/broker.js";
import type { HubSubscription } from "../hub/hub.js";
import type { Logger } from "../log.js";
import type { LifecycleFields } from "../webhooks/lifecycle-event.js";
import type { ComputeStore } from "./compute-store.js";

/** A cancellable timer handle. */
export type TimerHandle = { cancel(): void };

/** Time and timers. */
export interface Clock {
  now(): number;
  /** Runs `fn` after `ms`; the timer does not keep the process alive. */
  after(ms: number, fn: () => void): TimerHandle;
}

/** The wall clock and real timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

export interface ComputeContext {
  /** Adds and removes in-process subscriptions (internal: not counted as client subscriptions). */
  subscribe(sub: HubSubscription): void;
  unsubscribe(sub: HubSubscription): void;
  /** Publishes a trusted event through the gateway's publish path. */
  publish(request: PublishRequest): Promise<PublishOutcome>;
  /** Whether this node publishes aggregation results now (see `engine/lease.ts`). */
  emits(): boolean;
  /** Whether `topic` is a state topic (its data is a merge patch). */
  isState(topic: string): boolean;
  store: ComputeStore;
  clock: Clock;
  log: Logger;
  /** Tells the outgoing webhooks (docs/hooks.md) of an alert or an analysis session; absent when they are off. */
  announce?(fields: LifecycleFields): void;
}
