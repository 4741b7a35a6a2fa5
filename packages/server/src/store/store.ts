/**
 * The store: where durable history, state checkpoints and inboxes live, as three interfaces
 * (`HistoryStore`, `StateSnapshotStore`, `InboxStore`: each part's user takes only its own) on
 * one connection. Two implementations (`store-sqlite.ts`, the embedded default;
 * `store-postgres.ts`) pass the shared suites (`test/suites/store.suite.ts`: one per interface)
 * unchanged. Each interface states its own contract.
 */
import type { HistoryStore } from "./history-store.js";
import type { InboxStore } from "./inbox-store.js";
import type { StateSnapshotStore } from "./state-snapshot-store.js";

export interface Store extends HistoryStore, StateSnapshotStore, InboxStore {
  /** `sqlite` or `postgres`. */
  readonly kind: string;
  /** Opens the connection and creates or migrates the schema. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** Commits one tiny write (a row of its own): resolves only when a write can commit now. */
  probe(): Promise<void>;
}
