/** Checkpoints in memory: used when the gateway has no store file or database of its own (they do not survive a restart). */
import type { CheckpointStore } from "./connector.js";

export class MemoryCheckpointStore implements CheckpointStore {
  private readonly saved = new Map<string, string>();

  async load(name: string): Promise<string | undefined> {
    return this.saved.get(name);
  }

  async save(name: string, checkpoint: string): Promise<void> {
    this.saved.set(name, checkpoint);
  }

  async close(): Promise<void> {}
}
