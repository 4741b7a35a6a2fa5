/** Inbox retention and broadcast unread changes on the SQLite store (one file per case). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inboxRetentionCases } from "./inbox-retention.cases.js";

const dir = mkdtempSync(join(tmpdir(), "herald-inbox-retention-"));
let n = 0;

inboxRetentionCases(
  "sqlite",
  () => ({ type: "sqlite", path: join(dir, `inbox-${++n}.db`) }),
  async () => rmSync(dir, { recursive: true, force: true }),
);
