/**
 * The `herald` command as tests run it: the CLI's TypeScript source through tsx (the shipped
 * bin runs the built dist/, which tests must not depend on being fresh).
 */
import { fileURLToPath } from "node:url";

/** Node arguments that start `herald`; append the command's own arguments. */
export const HERALD: readonly string[] = [
  "--import",
  "tsx",
  fileURLToPath(new URL("../src/cli/main.ts", import.meta.url)),
];
