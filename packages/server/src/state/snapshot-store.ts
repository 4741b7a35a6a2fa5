/**
 * Where state-topic checkpoints are kept (docs/storage.md, "State topics"). The SQL store keeps
 * them beside durable history (memory engine); on the Redis engine they live in Redis, next to
 * the topic's history, so a node started later finds the checkpoint every node wrote.
 *
 * Contract: `save` keeps the snapshot unless one of the same epoch with a higher seq is kept
 * already (every node may write the same checkpoints, in any order); `load` returns the newest.
 */
import type { StateSnapshot } from "../store/state-snapshot-store.js";

export interface SnapshotStore {
  save(snapshot: StateSnapshot): Promise<void>;
  load(topic: string): Promise<StateSnapshot | undefined>;
}
