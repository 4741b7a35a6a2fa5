/**
 * The control channel every bench server process shares: tells the coordinator its port and
 * answers `stats` with its own CPU time and memory (after a GC when asked, so RSS per idle
 * connection is not read off garbage). Servers are started with `--expose-gc` and an IPC channel.
 */
import type { ServerCommand, ServerReport } from "../harness/messages.js";

function send(report: ServerReport): void {
  process.send?.(report);
}

/** Reports `port` and serves control commands until `stop` (then calls `stop`). */
export function control(port: number, stop: () => Promise<void> | void): void {
  send({ type: "listening", port });
  process.on("message", (cmd: ServerCommand) => {
    if (cmd.cmd === "stats") {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (cmd.gc && gc) {
        gc();
        gc();
      }
      const cpu = process.cpuUsage();
      const mem = process.memoryUsage();
      send({ type: "stats", cpuUserUs: cpu.user, cpuSystemUs: cpu.system, rss: mem.rss, heapUsed: mem.heapUsed });
    } else if (cmd.cmd === "stop") {
      Promise.resolve(stop()).finally(() => process.exit(0));
    }
  });
  process.on("disconnect", () => process.exit(0));
}

/** Port from argv (`0` = ephemeral). */
export function portArg(): number {
  return Number(process.argv[2] ?? 0);
}
