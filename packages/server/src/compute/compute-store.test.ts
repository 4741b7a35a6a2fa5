/** The shared compute-store suite on memory and SQLite (a file in a temporary directory). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeStoreSuite } from "../../test/suites/compute-store.suite.js";
import { MemoryComputeStore } from "./compute-store-memory.js";
import { SqliteComputeStore } from "./compute-store-sqlite.js";

computeStoreSuite("memory", {
  async make() {
    return new MemoryComputeStore();
  },
  async reopen(s) {
    return s;
  },
  async done() {},
});

const dirs = new Map<object, string>();
computeStoreSuite("sqlite", {
  async make() {
    const dir = mkdtempSync(join(tmpdir(), "herald-compute-"));
    const s = new SqliteComputeStore(join(dir, "herald.db"));
    dirs.set(s, dir);
    await s.open();
    return s;
  },
  async reopen(s) {
    await s.close();
    const dir = dirs.get(s) as string;
    const again = new SqliteComputeStore(join(dir, "herald.db"));
    dirs.set(again, dir);
    await again.open();
    return again;
  },
  async done(s) {
    await s.close();
    rmSync(dirs.get(s) as string, { recursive: true, force: true });
  },
});
