/**
 * Runs one example: its `herald.yaml` through an ordinary gateway, plus the example's page
 * served from the same origin (so the page's WebSockets need no CORS setup). The examples'
 * `run.ts` files and their e2e tests both start the example through this, so the test runs
 * exactly what the README's command runs.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { createGateway, type Gateway, type HeraldConfigInput } from "@herald/server";
import { parse as parseYaml } from "yaml";

/** A running example. */
export interface RunningExample {
  gateway: Gateway;
  /** `http://host:port` of the gateway. */
  url: string;
  /** The example's page: `{url}/app/`. */
  pageUrl: string;
  close(): Promise<void>;
}

/** How to start an example. */
export interface ExampleOptions {
  /** The example's folder (holds `herald.yaml` and `public/`). */
  dir: string;
  /** Sections merged over the file's, one level deep (tests set a private store, a port…). */
  overrides?: Record<string, Record<string, unknown> | unknown[]>;
  /** @default 0 (a free port) */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** Extra files for the page (name → content), e.g. a bundled script built at start. */
  extraFiles?: Record<string, string>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** Reads the example's config with `overrides` merged over it, section by section. */
export function exampleConfig(dir: string, overrides: ExampleOptions["overrides"] = {}): HeraldConfigInput {
  const file = (parseYaml(readFileSync(join(dir, "herald.yaml"), "utf8")) ?? {}) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...file };
  for (const [key, value] of Object.entries(overrides)) {
    const base = merged[key];
    merged[key] =
      Array.isArray(value) || typeof base !== "object" || base === null || Array.isArray(base)
        ? value
        : { ...(base as Record<string, unknown>), ...value };
  }
  return merged as HeraldConfigInput;
}

/** Starts the gateway with the example's config and serves `public/` under `/app/`. */
export async function startExample(options: ExampleOptions): Promise<RunningExample> {
  const gateway = createGateway({ config: exampleConfig(options.dir, options.overrides), defaultMetrics: false });
  // Only the files present at start are served: no path from a request reaches the disk.
  const files = new Map<string, string>();
  const publicDir = join(options.dir, "public");
  for (const name of readdirSync(publicDir)) files.set(name, readFileSync(join(publicDir, name), "utf8"));
  for (const [name, content] of Object.entries(options.extraFiles ?? {})) files.set(name, content);
  gateway.http.get<{ Params: { file?: string } }>("/app/:file?", (req, reply) => {
    const name = req.params.file || "index.html";
    const body = files.get(name);
    if (body === undefined) return reply.code(404).send({ error: "not_found" });
    return reply.type(TYPES[extname(name)] ?? "text/plain; charset=utf-8").send(body);
  });
  const { url } = await gateway.listen({ port: options.port ?? 0, host: options.host ?? "127.0.0.1" });
  return { gateway, url, pageUrl: `${url}/app/`, close: () => gateway.close() };
}

/**
 * The browser build of socket.io-client as `{"socket.io.esm.min.js": …}`, for a page's import
 * map (the package exports no path to it, so it is found beside the package's entry point).
 */
export function socketIoBrowserClient(): Record<string, string> {
  const entry = createRequire(import.meta.url).resolve("socket.io-client");
  const file = join(dirname(entry), "..", "..", "dist", "socket.io.esm.min.js");
  return { "socket.io.esm.min.js": readFileSync(file, "utf8") };
}

/** Bundles a page's TypeScript/React entry for the browser (esbuild, in memory): `{[name]: js}`. */
export async function bundlePage(entry: string, name = "app.js"): Promise<Record<string, string>> {
  const { build } = await import("esbuild");
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    target: "es2022",
    jsx: "automatic",
    conditions: ["herald-source"], // the workspace packages' TypeScript sources, no build needed
    minify: true,
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  return { [name]: out.outputFiles[0]?.text ?? "" };
}
