// The import graph of the packages' sources (`src/`, tests excluded) and its cycles. Every
// relative import counts — `import type`, re-exports and lazy `import()` included — because a
// cycle of types still ties the modules' designs together (docs/architecture.md).
//
// A maintained tool (dependency-cruiser, madge) would do this, but both need the TypeScript
// compiler API, which TypeScript 7 no longer ships, or Node 22: this reads imports as text.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const IMPORT =
  /(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function sources(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== "node_modules" && name !== "dist") sources(path, out);
    } else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith(".d.ts")) out.push(resolve(path));
  }
  return out;
}

/** Module → the modules it imports (absolute paths), for every source under `roots`. */
export function importGraph(roots) {
  const graph = new Map();
  for (const file of roots.flatMap((r) => sources(r, []))) {
    const deps = new Set();
    for (const m of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (!spec.startsWith(".")) continue;
      const base = resolve(dirname(file), spec);
      const hit = [
        base.replace(/\.js$/, ".ts"),
        base.replace(/\.js$/, ".tsx"),
        `${base}.ts`,
        join(base, "index.ts"),
      ].find((c) => existsSync(c) && statSync(c).isFile());
      if (hit !== undefined) deps.add(hit);
    }
    graph.set(file, deps);
  }
  return graph;
}

/** The strongly connected components with more than one module (Tarjan), paths relative to `cwd`. */
export function cycles(graph, cwd = process.cwd()) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const out = [];
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(relative(cwd, w));
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const roots = process.argv.slice(2);
  const found = cycles(importGraph(roots.length > 0 ? roots : ["packages"]));
  for (const c of found) console.log(`cycle of ${c.length}: ${c.join(" ")}`);
  process.exit(found.length === 0 ? 0 : 1);
}
