// No import cycle among the packages' modules, type-only imports and lazy `import()` included
// (docs/architecture.md): the layers depend on each other one way only.
import assert from "node:assert/strict";
import { join } from "node:path";
import { it } from "node:test";
import { cycles, importGraph } from "../../../scripts/import-graph.mjs";

const root = join(import.meta.dirname, "..", "..", "..");

it("has no import cycle", () => {
  const found = cycles(
    importGraph(["server", "client", "protocol", "react", "dashboard"].map((p) => join(root, "packages", p, "src"))),
    root,
  );
  assert.deepEqual(
    found,
    [],
    `import cycles (docs/architecture.md says which room may import which):\n${found.map((c) => c.join(" -> ")).join("\n")}`,
  );
});

it("sees a cycle when there is one", () => {
  // The checker itself: a graph with a cycle of two and a self-contained module.
  const graph = new Map([
    ["/r/a.ts", new Set(["/r/b.ts"])],
    ["/r/b.ts", new Set(["/r/a.ts"])],
    ["/r/c.ts", new Set(["/r/a.ts"])],
  ]);
  assert.deepEqual(cycles(graph, "/r"), [["a.ts", "b.ts"]]);
});
