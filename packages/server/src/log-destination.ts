/**
 * Where the gateway's JSON log lines go: standard output, written synchronously, and given up
 * for good once the reader is gone (EPIPE, e.g. `herald serve | head -5`). pino's own stdout
 * destination retries a failed write forever in its exit flush, so a process whose log pipe
 * closed could never exit, not even on SIGTERM.
 */
import { writeSync } from "node:fs";

/** How long to wait for a full pipe to drain (EAGAIN) before dropping the line. @default 1000 */
const EAGAIN_BUDGET_MS = 1000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** A pino destination on file descriptor `fd` (default 1, stdout). */
export class LogDestination {
  /** False once the reader went away; later lines are dropped. */
  open = true;

  constructor(private readonly fd = 1) {}

  /** Writes one line; never throws. */
  write(line: string): void {
    if (!this.open) return;
    let buf = Buffer.from(line, "utf8");
    const deadline = Date.now() + EAGAIN_BUDGET_MS;
    while (buf.length > 0) {
      try {
        buf = buf.subarray(writeSync(this.fd, buf));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EAGAIN" && Date.now() < deadline) {
          Atomics.wait(pause, 0, 0, 1); // a non-blocking pipe is full: let the reader catch up
          continue;
        }
        if (code !== "EAGAIN") this.open = false; // EPIPE, EBADF: nobody will read this again
        return;
      }
    }
  }
}
