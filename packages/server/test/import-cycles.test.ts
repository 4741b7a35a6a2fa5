// No import cycle among the packages' modules (type-only imports included), but the one still
// listed in docs/architecture.md: a ratchet — a new cycle fails here, and the known one may only
// shrink (then remove it from the list).
import assert from "node:assert/strict";
import { join } from "node:path";
import { it } from "node:test";
import { cycles, importGraph } from "../../../scripts/import-graph.mjs";

const root = join(import.meta.dirname, "..", "..", "..");
/** docs/architecture.md, "Known cycle": the session and the core know each other. */
const KNOWN = [
  [
    "packages/server/src/api/presence.ts",
    "packages/server/src/core.ts",
    "packages/server/src/session.ts",
    "packages/server/src/sessions.ts",
  ],
];

it("has no import cycle but the known one", () => {
  const found = cycles(
    importGraph(["server", "client", "protocol", "react", "dashboard"].map((p) => join(root, "packages", p, "src"))),
    root,
  );
  for (const c of found) {
    assert.ok(
      KNOWN.some((k) => c.every((m) => k.includes(m))),
      `a new import cycle: ${c.join(" -> ")} (docs/architecture.md says how the layers depend on each other)`,
    );
  }
});
