/**
 * Serves the built dashboard (`@herald/dashboard`'s `dist`) at `dashboard.path` with
 * @fastify/static. Caching: files under `assets/` carry a content hash in their name, so they
 * are `immutable` for a year; everything else (index.html) is `no-cache`, so a new release is
 * picked up on the next load while its assets come from the cache.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, sep } from "node:path";
import type { FastifyInstance } from "fastify";
import type { HeraldConfig } from "../config-types.js";
import type { Logger } from "../log.js";
import { dashboardPrefix } from "./dashboard-config.js";

/** `cache-control` of hashed assets. */
export const IMMUTABLE = "public, max-age=31536000, immutable";
/** `cache-control` of index.html and other unhashed files: revalidate on every load. */
export const NO_CACHE = "no-cache";

/** The built dashboard's directory: `dashboard.root`, else the @herald/dashboard package's `dist`. */
export function dashboardRoot(config: HeraldConfig): string | undefined {
  if (config.dashboard.root !== undefined) return config.dashboard.root;
  try {
    const pkg = createRequire(import.meta.url).resolve("@herald/dashboard/package.json");
    return join(dirname(pkg), "dist");
  } catch {
    return undefined; // the package is not installed: nothing to serve
  }
}

/**
 * Registers the dashboard's routes. Without built assets it answers 503 at the path with the
 * command that builds them, instead of a bare 404.
 */
export async function registerDashboard(app: FastifyInstance, config: HeraldConfig, log: Logger): Promise<void> {
  if (!config.dashboard.enabled) return;
  const prefix = dashboardPrefix(config.dashboard.path);
  const root = dashboardRoot(config);
  if (root === undefined || !existsSync(join(root, "index.html"))) {
    log.warn({ root }, "dashboard assets not found: run `npm run build -w packages/dashboard`");
    const missing = async (_req: unknown, reply: { code(n: number): { type(t: string): unknown } }) => {
      reply.code(503).type("text/plain; charset=utf-8");
      return "The Herald dashboard is not built: run `npm run build -w packages/dashboard` (npm install does it).\n";
    };
    app.get(prefix, missing);
    return;
  }
  // Loaded only when there is something to serve (a gateway without a dashboard skips it).
  const { default: fastifyStatic } = await import("@fastify/static");
  await app.register(fastifyStatic, {
    root,
    prefix,
    // One route per built file (found at start): unknown paths stay 404s of the API, and no
    // catch-all shadows routes registered by other modules under the same prefix.
    wildcard: false,
    // `/ops` → `/ops/` (relative asset URLs need the slash); `/` has nothing to redirect.
    redirect: prefix !== "/",
    index: ["index.html"],
    cacheControl: false,
    etag: true,
    lastModified: true,
    setHeaders: (reply, path) => {
      reply.header("cache-control", path.includes(`${sep}assets${sep}`) ? IMMUTABLE : NO_CACHE);
      reply.header("x-content-type-options", "nosniff");
    },
  });
}
