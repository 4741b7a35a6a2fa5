/**
 * The shared checkpoint-store suite: memory, SQLite and Postgres run these cases unchanged.
 * `make` returns a store over fresh data; `reopen` opens the same data again (a restart).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CheckpointStore } from "../../src/connectors/connector.js";

type Closable = CheckpointStore & { close(): Promise<void> };

export interface CheckpointHarness {
  make(): Promise<Closable>;
  /** Opens the data of `store` again after it was closed; undefined when it does not survive (memory). */
  reopen?(store: Closable): Promise<Closable>;
}

export function checkpointSuite(name: string, h: CheckpointHarness): void {
  describe(`CheckpointStore contract: ${name}`, () => {
    it("loads nothing for a connector that never saved", async () => {
      const s = await h.make();
      assert.equal(await s.load("never"), undefined);
      await s.close();
    });

    it("loads the last saved checkpoint of each connector, independently", async () => {
      const s = await h.make();
      await s.save("a", "1-0");
      await s.save("b", "0/16B3748");
      await s.save("a", "2-0");
      assert.equal(await s.load("a"), "2-0");
      assert.equal(await s.load("b"), "0/16B3748");
      await s.close();
    });

    if (h.reopen !== undefined) {
      const reopen = h.reopen;
      it("keeps saved checkpoints across a restart", async () => {
        const s = await h.make();
        await s.save("a", "42");
        await s.close();
        const again = await reopen(s);
        assert.equal(await again.load("a"), "42");
        await again.close();
      });
    }
  });
}
