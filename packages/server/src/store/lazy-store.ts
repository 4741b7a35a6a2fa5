/**
 * One store shared by durable history, state topics and the inbox, opened on first use: a
 * gateway with no durable namespace and no inbox traffic never creates a file.
 */
import type { Store } from "./store.js";

export class LazyStore {
  private opening: Promise<Store> | undefined;

  constructor(readonly store: Store) {}

  /** True once the store was asked for (it is open or opening): background work checks this before touching it. */
  get opened(): boolean {
    return this.opening !== undefined;
  }

  /** The open store (opens and migrates it the first time). */
  get(): Promise<Store> {
    this.opening ??= this.store.open().then(
      () => this.store,
      (err) => {
        this.opening = undefined;
        throw err;
      },
    );
    return this.opening;
  }

  /** Closes the store if it was opened. */
  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (opening === undefined) return;
    await opening.then(
      (s) => s.close(),
      () => {},
    );
  }
}
