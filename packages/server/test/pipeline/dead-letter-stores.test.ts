import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { DeadLetterStore } from "../../src/pipeline/dead-letter.js";
import { MemoryDeadLetterStore } from "../../src/pipeline/dead-letter-memory.js";
import { PostgresDeadLetterStore } from "../../src/pipeline/dead-letter-postgres.js";
import { SqliteDeadLetterStore } from "../../src/pipeline/dead-letter-sqlite.js";
import { deadLetterSuite } from "../suites/dead-letter.suite.js";

const PG = "postgres://postgres@127.0.0.1:5432/test";

deadLetterSuite("memory", {
  make: async ({ maxEntries, retentionMs, now }) => new MemoryDeadLetterStore(maxEntries, now, retentionMs),
  done: async () => {},
});

const dirs = new Map<DeadLetterStore, string>();
deadLetterSuite("sqlite", {
  make: async (o) => {
    const dir = mkdtempSync(join(tmpdir(), "herald-dl-"));
    const s = new SqliteDeadLetterStore(join(dir, "dl.db"), o, o.now);
    dirs.set(s, dir);
    return s;
  },
  done: async (s) => {
    (s as SqliteDeadLetterStore).close();
    rmSync(dirs.get(s) as string, { recursive: true, force: true });
  },
});

let n = 0;
const schemas = new Map<DeadLetterStore, string>();
deadLetterSuite("postgres", {
  make: async (o) => {
    const schema = `h14_dl_${process.pid}_${++n}`;
    const s = new PostgresDeadLetterStore(PG, schema, o, o.now);
    schemas.set(s, schema);
    return s;
  },
  done: async (s) => {
    await (s as PostgresDeadLetterStore).close();
    const c = new pg.Client({ connectionString: PG });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schemas.get(s)}" CASCADE`);
    await c.end();
  },
});
