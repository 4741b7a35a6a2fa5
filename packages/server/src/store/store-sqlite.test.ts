import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { storeSuite } from "../../test/suites/store.suite.js";
import { SqliteStore } from "./store-sqlite.js";

const paths = new WeakMap<object, string>();

storeSuite("sqlite", {
  async make() {
    const dir = mkdtempSync(join(tmpdir(), "herald-store-"));
    const s = new SqliteStore({ path: join(dir, "herald.db") });
    await s.open();
    paths.set(s, dir);
    return s;
  },
  async reopen(s) {
    const dir = paths.get(s) as string;
    await s.close();
    const again = new SqliteStore({ path: join(dir, "herald.db") });
    await again.open();
    paths.set(again, dir);
    return again;
  },
  async done(s) {
    await s.close();
    rmSync(paths.get(s) as string, { recursive: true, force: true });
  },
});
