import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { checkpointSuite } from "../../test/suites/checkpoint.suite.js";
import { MemoryCheckpointStore } from "./checkpoint-memory.js";
import { SqliteCheckpointStore } from "./checkpoint-sqlite.js";

const dir = mkdtempSync(join(tmpdir(), "herald-cp-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const paths = new WeakMap<object, string>();

checkpointSuite("memory", { make: async () => new MemoryCheckpointStore() });

checkpointSuite("sqlite", {
  async make() {
    const path = join(dir, `cp-${n++}.db`);
    const store = new SqliteCheckpointStore(path);
    paths.set(store, path);
    return store;
  },
  async reopen(store) {
    return new SqliteCheckpointStore(paths.get(store) as string);
  },
});
