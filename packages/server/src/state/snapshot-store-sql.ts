/** State checkpoints in the SQL store (SQLite or Postgres), opened lazily. */
import type { StoreAccess } from "../store/lazy-store.js";
import type { StateSnapshot, StateSnapshotStore } from "../store/state-snapshot-store.js";
import type { SnapshotStore } from "./snapshot-store.js";

export class SqlSnapshotStore implements SnapshotStore {
  constructor(private readonly store: StoreAccess<StateSnapshotStore>) {}

  async save(snapshot: StateSnapshot): Promise<void> {
    const current = await this.load(snapshot.topic);
    if (current !== undefined && current.epoch === snapshot.epoch && current.seq >= snapshot.seq) return;
    await (await this.store.get()).saveSnapshot(snapshot);
  }

  async load(topic: string): Promise<StateSnapshot | undefined> {
    return (await this.store.get()).loadSnapshot(topic);
  }
}
