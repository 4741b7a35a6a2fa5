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

/** Every relative import of every source under `roots`: `{from, to, typeOnly}` (absolute paths). */
export function importEdges(roots) {
  const edges = [];
  for (const file of roots.flatMap((r) => sources(r, []))) {
    edges.push({ from: file, to: undefined, typeOnly: false }); // every module appears, imports or not
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
      if (hit !== undefined) edges.push({ from: file, to: hit, typeOnly: /^(?:import|export)\s+type\s/.test(m[0]) });
    }
  }
  return edges;
}

/** Module → the modules it imports (absolute paths), for every source under `roots`. */
export function importGraph(roots) {
  const graph = new Map();
  for (const { from, to } of importEdges(roots)) {
    if (!graph.has(from)) graph.set(from, new Set());
    if (to !== undefined) graph.get(from).add(to);
  }
  return graph;
}

/**
 * The rooms of a layered source tree, read from the table of a markdown document: each row's
 * first cell names the room, its second cell lists the room's modules as backticked paths
 * relative to the tree (a folder ends with `/`). Rows come bottom up.
 */
export function readRooms(markdown, heading) {
  const start = markdown.indexOf(heading);
  if (start < 0) throw new Error(`no "${heading}" in the document`);
  const rooms = [];
  for (const line of markdown.slice(start).split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 4 || cells[1] === "room" || /^-+$/.test(cells[1])) {
      if (rooms.length > 0 && !line.startsWith("|")) break;
      continue;
    }
    rooms.push({ name: cells[1], paths: [...cells[2].matchAll(/`([^`]+)`/g)].map((m) => m[1]) });
  }
  return rooms;
}

/** The room of a module (path relative to the tree): the longest matching path wins; undefined when none. */
export function roomOf(rooms, rel) {
  let best;
  let bestLength = -1;
  rooms.forEach((room, i) => {
    for (const p of room.paths) {
      const hit = p.endsWith("/") ? rel.startsWith(p) : rel === p;
      if (hit && p.length > bestLength) {
        best = i;
        bestLength = p.length;
      }
    }
  });
  return best;
}

/**
 * Imports against the rooms (a module importing a room below its own) and modules no room
 * places, as readable lines. A module of the first room (configuration) may import, types only,
 * modules of its own folder (the option types of the feature it configures).
 */
export function layerViolations(edges, rooms, tree) {
  const out = new Set();
  for (const { from, to, typeOnly } of edges) {
    const f = relative(tree, from);
    const rf = roomOf(rooms, f);
    if (rf === undefined) {
      out.add(`${f} is in no room`);
      continue;
    }
    if (to === undefined) continue;
    const t = relative(tree, to);
    const rt = roomOf(rooms, t);
    if (rt === undefined || rt <= rf) continue;
    const ownFeature = rf === 0 && typeOnly && dirname(f) !== "." && t.startsWith(`${dirname(f)}/`);
    if (!ownFeature) out.add(`${f} (${rooms[rf].name}) imports ${t} (${rooms[rt].name})`);
  }
  return [...out].sort();
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
