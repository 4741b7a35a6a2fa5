#!/usr/bin/env node
// Builds the browser bundles of @herald/client with esbuild:
//   <outdir>/herald-client.js   IIFE exposing the global `Herald` (a plain <script> tag)
//   <outdir>/herald-client.mjs  ES module
// Usage: node scripts/build-browser.mjs [outdir]   (default: packages/client/dist, git-ignored)
// Fails when the bundle pulls in a Node-only module (`ws`, `node:*`): the browser build must
// use the browser's own WebSocket.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const entry = join(here, "..", "src", "index.ts");

/** Builds both bundles into `outdir`; returns their paths. */
export async function buildBrowser(outdir = join(here, "..", "dist")) {
  const common = {
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    target: ["es2020"],
    minify: true,
    sourcemap: false,
    metafile: true,
    logLevel: "silent",
  };
  const iife = join(outdir, "herald-client.js");
  const esm = join(outdir, "herald-client.mjs");
  const results = await Promise.all([
    build({ ...common, format: "iife", globalName: "Herald", outfile: iife }),
    build({ ...common, format: "esm", outfile: esm }),
  ]);
  for (const r of results) {
    const nodeOnly = Object.keys(r.metafile.inputs).filter((p) => /node_modules\/ws\/|^node:/.test(p));
    if (nodeOnly.length > 0) throw new Error(`the browser bundle includes Node-only modules: ${nodeOnly.join(", ")}`);
  }
  return { iife, esm };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const out = await buildBrowser(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`built ${out.iife} and ${out.esm}`);
}
