#!/usr/bin/env node
// The `herald` command runs the built JavaScript (`npm run build`, run by `npm install` in a
// checkout and before `npm pack`), so an installed package needs no TypeScript loader.
import { existsSync } from "node:fs";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("herald: dist/ is missing; run `npm run build` in the Herald checkout\n");
  process.exit(70);
}
await import(main.href);
