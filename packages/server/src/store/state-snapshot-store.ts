/**
 * State topics' checkpoints in the store (one row per topic, the newest). Part of `Store`
 * (store.ts); state topics reach it through `state/snapshot-store-sql.ts`.
 */

/** A checkpoint of a state topic: the document and per-key clocks after event `seq`. */
export interface StateSnapshot {
  topic: string;
  epoch: string;
  seq: number;
  state: Record<string, unknown>;
  clocks: Record<string, string>;
}

export interface StateSnapshotStore {
  saveSnapshot(snapshot: StateSnapshot): Promise<void>;
  loadSnapshot(topic: string): Promise<StateSnapshot | undefined>;
}
