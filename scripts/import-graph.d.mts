/** Types of scripts/import-graph.mjs. */
export function importGraph(roots: string[]): Map<string, Set<string>>;
export function cycles(graph: Map<string, Set<string>>, cwd?: string): string[][];
