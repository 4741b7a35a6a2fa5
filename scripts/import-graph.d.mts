/** Types of scripts/import-graph.mjs. */
export function importGraph(roots: string[]): Map<string, Set<string>>;
export function cycles(graph: Map<string, Set<string>>, cwd?: string): string[][];
export interface ImportEdge {
  from: string;
  /** Absent on the one entry that lists a module without its imports. */
  to: string | undefined;
  typeOnly: boolean;
}
export interface Room {
  name: string;
  paths: string[];
}
export function importEdges(roots: string[]): ImportEdge[];
export function readRooms(markdown: string, heading: string): Room[];
export function roomOf(rooms: Room[], rel: string): number | undefined;
export function layerViolations(edges: ImportEdge[], rooms: Room[], tree: string): string[];
