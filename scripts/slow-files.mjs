// A test reporter that adds up, per test file, the time of its top-level tests (a file-level
// `before` hook counts in its first test) and prints the slowest files when the run ends, with
// a warning for any file over the budget (HERALD_TEST_FILE_BUDGET_S, default 60 s): the suite
// keeps every file under a minute so a loaded machine does not push it past its timeouts.
import { relative } from "node:path";

const budget = Number(process.env.HERALD_TEST_FILE_BUDGET_S ?? 60);

export default async function* slowFiles(source) {
  const perFile = new Map();
  for await (const event of source) {
    if ((event.type === "test:pass" || event.type === "test:fail") && event.data.nesting === 0 && event.data.file) {
      const ms = event.data.details?.duration_ms ?? 0;
      perFile.set(event.data.file, (perFile.get(event.data.file) ?? 0) + ms);
    }
  }
  const sorted = [...perFile].sort((a, b) => b[1] - a[1]);
  if (sorted.length === 0) return;
  yield "\nslowest test files (sum of their top-level tests):\n";
  for (const [file, ms] of sorted.slice(0, 10)) {
    yield `  ${(ms / 1000).toFixed(1).padStart(6)} s  ${relative(process.cwd(), file)}\n`;
  }
  const over = sorted.filter(([, ms]) => ms > budget * 1000);
  for (const [file, ms] of over) {
    yield `warning: ${relative(process.cwd(), file)} took ${(ms / 1000).toFixed(1)} s, over the ${budget} s budget per file\n`;
  }
}
