#!/usr/bin/env node
// Runs every *.test.ts / *.test.tsx under packages/, bench/ and examples/ (or under the paths
// given as arguments) with Node's own test runner, TypeScript loaded through tsx.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const roots = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith("--"));
const skip = new Set(["node_modules", "dist", ".git", "data"]);

function collect(path, out) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return out;
  if (st.isFile()) {
    if (/\.test\.tsx?$/.test(path)) out.push(path);
    return out;
  }
  for (const name of readdirSync(path)) if (!skip.has(name)) collect(join(path, name), out);
  return out;
}

const files = (roots.length ? roots : ["packages", "bench", "examples"]).flatMap((r) => collect(r, [])).sort();
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
const args = [
  "--import",
  "tsx",
  "--test",
  "--test-reporter=spec",
  `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
  "--test-timeout=180000",
  ...passThrough,
  ...files,
];
const result = spawnSync(process.execPath, args, {
  stdio: "inherit",
  env: {
    ...process.env,
    HERALD_LOG_LEVEL: process.env.HERALD_LOG_LEVEL ?? "silent",
    // Workspace packages resolve to their TypeScript sources (the `herald-source` export
    // condition), so tests never run a stale dist/; every child process inherits it.
    NODE_OPTIONS: [process.env.NODE_OPTIONS, "--conditions=herald-source"].filter(Boolean).join(" "),
  },
});
process.exit(result.status ?? 1);
