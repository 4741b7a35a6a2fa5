/**
 * Checks of the `dashboard` configuration section, and the reserved namespace of the stats
 * topic: only admins read it, and no client publishes to it (the gateway itself does).
 */
import type { HeraldConfig, NamespaceConfig } from "../config-types.js";
import { devLoginProblems } from "./dev-login.js";

/** Paths the dashboard may not take: the HTTP API and the operational endpoints. */
const RESERVED = ["/api", "/healthz", "/readyz", "/metrics"];

/** The dashboard's path with exactly one trailing slash (`/ops` → `/ops/`). */
export function dashboardPrefix(path: string): string {
  return path.endsWith("/") ? path : `${path}/`;
}

/** What is wrong with `config.dashboard`, one line per problem. */
export function dashboardProblems(config: HeraldConfig): string[] {
  const { path } = config.dashboard;
  const problems: string[] = [];
  if (!path.startsWith("/")) problems.push('config.dashboard.path must start with "/"');
  else if (/[?#\s]|\/\//.test(path))
    problems.push("config.dashboard.path must be a plain path (no ?, #, spaces or //)");
  else if (path !== "/") {
    const prefix = dashboardPrefix(path);
    const taken = [...RESERVED, config.server.wsPath, config.socketio.path, config.sse.path];
    for (const other of taken) {
      if (prefix.startsWith(dashboardPrefix(other)) || dashboardPrefix(other).startsWith(prefix)) {
        problems.push(`config.dashboard.path "${path}" overlaps "${other}"`);
      }
    }
  }
  problems.push(...devLoginProblems(config));
  return problems;
}

/** History samples the stats topic keeps (a chart opened late still shows the last minutes). @default 300 */
export const STATS_HISTORY = 300;

/**
 * The namespace of the stats topic, unless the configuration declares that prefix itself (then
 * its rules apply as written). Subscribe and history: `admin`; no client publishes.
 */
export function statsNamespaces(config: HeraldConfig): NamespaceConfig[] {
  const topic = config.dashboard.statsTopic;
  if (topic === "" || config.namespaces.some((ns) => ns.prefix === topic)) return [];
  return [
    {
      prefix: topic,
      history: { size: STATS_HISTORY, ttlSeconds: 600 },
      durable: false,
      presence: false,
      clientPublish: false,
      state: false,
      pipeline: [],
      acl: { subscribe: "admin", publish: "nobody", history: "admin", presence: "nobody" },
    },
  ];
}
