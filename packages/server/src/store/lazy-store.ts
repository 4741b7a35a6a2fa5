/**
 * One store shared by durable history, state topics and the inbox, opened on first use: a
 * gateway with no durable namespace and no inbox traffic never creates a file.
 *
 * The store it hands out answers an outage with `unavailable` (never `internal`), marks the
 * store down on the first one (`health`), and fails at once while it is down: nothing waits
 * on a store that is known not to answer, and nothing is accepted that was not committed.
 */
import { HeraldError } from "@herald/protocol";
import type { Logger } from "../log.js";
import type { Store } from "./store.js";
import { storeError } from "./store-errors.js";
import { StoreHealth } from "./store-health.js";
import { storeOperationSeconds } from "./store-metrics.js";

export interface LazyStoreOptions {
  /** Longest pause between probes of a failed store. @default 5000 */
  retryMaxMs?: number;
  log?: Logger;
}

/**
 * The store opened on first use, seen as the one part a user needs (`HistoryStore`,
 * `StateSnapshotStore`, `InboxStore`): `LazyStore` is one for every part.
 */
export interface StoreAccess<T> {
  /** True once the store was asked for (it is open or opening). */
  readonly opened: boolean;
  readonly health: StoreHealth;
  /** The open store; `unavailable` at once while it is down. */
  get(): Promise<T>;
  /** The open store without the outage guard (start-up reads). */
  raw(): Promise<T>;
}

export class LazyStore implements StoreAccess<Store> {
  private opening: Promise<Store> | undefined;
  private guarded: Store | undefined;
  /** Up or down, and the probe that brings it back. */
  readonly health: StoreHealth;
  /** Latency of every guarded call (`herald_store_operation_seconds`), registered by the gateway. */
  readonly latency = storeOperationSeconds();

  constructor(
    readonly store: Store,
    options: LazyStoreOptions = {},
  ) {
    this.health = new StoreHealth({
      probe: async () => {
        await (await this.open()).probe();
      },
      ...(options.retryMaxMs !== undefined && { retryMaxMs: options.retryMaxMs }),
      ...(options.log !== undefined && { log: options.log }),
    });
  }

  /** True once the store was asked for (it is open or opening): background work checks this before touching it. */
  get opened(): boolean {
    return this.opening !== undefined;
  }

  private open(): Promise<Store> {
    this.opening ??= this.store.open().then(
      () => this.store,
      (err) => {
        this.opening = undefined;
        throw err;
      },
    );
    return this.opening;
  }

  /** The open store (opens and migrates it the first time); `unavailable` at once while it is down. */
  async get(): Promise<Store> {
    const down = this.health.down;
    if (down !== undefined) throw down;
    try {
      await this.open();
    } catch (err) {
      throw this.failed(err);
    }
    this.guarded ??= this.guard(this.store);
    return this.guarded;
  }

  /** The open store without the guard: for recovery, which reads while the store is marked down. */
  raw(): Promise<Store> {
    return this.open();
  }

  /** Maps an error of a store call; an outage marks the store down. */
  failed(err: unknown): unknown {
    const e = storeError(err);
    if (e instanceof HeraldError && e.code === "unavailable") this.health.fail(e);
    return e;
  }

  /** Every method of `store`, failing at once while it is down and mapping outage errors. */
  private guard(store: Store): Store {
    return new Proxy(store, {
      get: (target, prop, receiver) => {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== "function") return value;
        const operation = String(prop);
        return async (...args: unknown[]) => {
          const down = this.health.down;
          if (down !== undefined) throw down;
          const end = this.latency.startTimer({ operation });
          try {
            const result = await value.apply(target, args);
            end({ outcome: "ok" });
            return result;
          } catch (err) {
            end({ outcome: "error" });
            throw this.failed(err);
          }
        };
      },
    });
  }

  /** Stops probing and closes the store if it was opened. */
  async close(): Promise<void> {
    this.health.close();
    const opening = this.opening;
    this.opening = undefined;
    if (opening === undefined) return;
    await opening.then(
      (s) => s.close(),
      () => {},
    );
  }
}
