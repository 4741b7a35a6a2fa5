// Keeps docs/errors.md and the code registries in step: a code missing on either side fails.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { CloseCode, shouldReconnect } from "./close-codes.js";
import { ErrorCodes } from "./errors.js";

const doc = readFileSync(new URL("../../../docs/errors.md", import.meta.url), "utf8");

test("every error code is documented with its HTTP status, and nothing else is", () => {
  const rows = [...doc.matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [m[1], Number(m[2])]);
  const documented = Object.fromEntries(rows);
  const registry = Object.fromEntries(Object.entries(ErrorCodes).map(([code, v]) => [code, v.status]));
  assert.deepEqual(documented, registry);
});

test("every close code is documented with its reconnect rule, and nothing else is", () => {
  const rows = [...doc.matchAll(/^\|\s*(\d{4})\s*\|\s*`(\w+)`\s*\|\s*(yes|no)\s*\|/gm)];
  const documented = Object.fromEntries(rows.map((m) => [m[2], Number(m[1])]));
  assert.deepEqual(documented, { ...CloseCode });
  for (const m of rows) assert.equal(shouldReconnect(Number(m[1])), m[3] === "yes", `close code ${m[1]}`);
});
