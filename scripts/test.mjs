#!/usr/bin/env node
// Runs every *.test.ts / *.test.tsx under packages/, bench/ and examples/ (or under the paths
// given as arguments) with Node's own test runner, TypeScript loaded through tsx. Before that, a
// pre-flight check: when a selected file drives a browser, Chromium must be installed, or the
// run stops at once with one line saying what to install (instead of failures and a long hang).
import { spawnSync } from "node:child_process";
import { accessSync, constants, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const roots = process.argv.slice(2).filter((a) => !a.startsWith("--"));
// `--preflight`: only the checks below (npm test runs them before lint and typecheck).
const preflightOnly = process.argv.includes("--preflight");
const passThrough = process.argv.slice(2).filter((a) => a.startsWith("--") && a !== "--preflight");
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
// Browser tests launch Chromium through packages/server/test/chromium.ts (same default path).
const chromiumPath = process.env.HERALD_CHROMIUM_PATH ?? "/usr/bin/chromium";
const browserTests = files.filter((f) => /\bchromium\.js["']/.test(readFileSync(f, "utf8")));
if (browserTests.length > 0) {
  try {
    accessSync(chromiumPath, constants.X_OK);
  } catch {
    console.error(
      `Chromium not found at ${chromiumPath} (needed by ${browserTests.length} browser test file(s)): install it with \`apt-get install -y chromium\`, or set HERALD_CHROMIUM_PATH.`,
    );
    process.exit(1);
  }
}
if (preflightOnly) process.exit(0);

const args = [
  "--import",
  "tsx",
  "--test",
  "--test-reporter=spec",
  "--test-reporter-destination=stdout",
  // The slowest files at the end (scripts/slow-files.mjs), with a warning past 60 s per file.
  `--test-reporter=${fileURLToPath(new URL("./slow-files.mjs", import.meta.url))}`,
  "--test-reporter-destination=stdout",
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
