// No import cycle among the packages' modules, type-only imports and lazy `import()` included,
// and the server's modules import only their own room and the rooms above it, as the table of
// docs/architecture.md ("The rooms of the server") says.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { cycles, importEdges, importGraph, layerViolations, readRooms } from "../../../scripts/import-graph.mjs";

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

const tree = join(root, "packages", "server", "src");
const rooms = () =>
  readRooms(readFileSync(join(root, "docs", "architecture.md"), "utf8"), "## The rooms of the server");

it("follows the rooms of docs/architecture.md", () => {
  const found = layerViolations(importEdges([tree]), rooms(), tree);
  assert.deepEqual(found, [], `imports against docs/architecture.md ("The rooms of the server"):\n${found.join("\n")}`);
});

it("reads the rooms and sees an import against them", () => {
  const read = rooms();
  assert.deepEqual(
    read.map((r) => r.name),
    [
      "1. configuration types",
      "2. leaves",
      "3. store",
      "4. engine",
      "5. state",
      "6. publish path",
      "7. session and core",
      "8. features",
      "9. edges",
    ],
  );
  // The engine importing the core, a leaf importing a feature, a module in no room; a
  // configuration module's type-only import of its own feature is allowed, a value import is not.
  const edges = [
    { from: `${tree}/engine/x.ts`, to: `${tree}/core.ts`, typeOnly: true },
    { from: `${tree}/hub/y.ts`, to: `${tree}/compute/z.ts`, typeOnly: false },
    { from: `${tree}/stray.ts`, to: undefined, typeOnly: false },
    { from: `${tree}/pipeline/options.ts`, to: `${tree}/pipeline/dedup.ts`, typeOnly: true },
    { from: `${tree}/compute/compute-config.ts`, to: `${tree}/compute/aggregation.ts`, typeOnly: false },
    { from: `${tree}/session.ts`, to: `${tree}/hub/hub.ts`, typeOnly: false },
  ];
  assert.deepEqual(layerViolations(edges, read, tree), [
    "compute/compute-config.ts (1. configuration types) imports compute/aggregation.ts (8. features)",
    "engine/x.ts (4. engine) imports core.ts (7. session and core)",
    "hub/y.ts (2. leaves) imports compute/z.ts (8. features)",
    "stray.ts is in no room",
  ]);
});
