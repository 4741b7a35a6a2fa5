/** Entry point of the `herald` command (bin/herald.js runs the built copy of this file). */
import { runCli } from "./cli.js";

// A reader that went away (`herald serve | head -5`) must not turn every later write into an
// uncaught EPIPE; the logs give up on their own (log-destination.ts).
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
// A failed command may leave handles open (a half-started gateway, a socket): end now.
if (code > 0) process.exit(code);
if (code === 0) process.exitCode = 0;
