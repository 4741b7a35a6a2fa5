/**
 * Structured JSON logs (pino), one object per line on stdout: every line carries `pid` and,
 * once the engine exists, the `node` id, so the logs of several workers or nodes can be told
 * apart. API keys and tokens are redacted wherever they appear. For people, pipe through
 * `pino-pretty`.
 */
import { type Logger, pino } from "pino";
import { LogDestination } from "./log-destination.js";

export type { Logger };

/** A logger at `level` writing to stdout (or to `destination`). */
export function createLogger(level: string, destination: { write(line: string): void } = new LogDestination()): Logger {
  return pino(
    {
      level,
      base: { service: "herald", pid: process.pid },
      redact: {
        paths: ["token", "apiKey", "req.headers.authorization", 'req.headers["x-api-key"]', "*.token"],
        censor: "[redacted]",
      },
    },
    destination,
  );
}

/**
 * Logs at most `perWindow` lines per `windowMs` for one kind of message (Origin or rate
 * refusals can come by the thousand from one misbehaving page), then one summary line with the
 * number suppressed when the window ends.
 */
export class RateLimitedLog {
  private windowStart = 0;
  private count = 0;
  private suppressed = 0;

  constructor(
    private readonly log: Logger,
    private readonly msg: string,
    /** @default 10 */
    private readonly perWindow = 10,
    /** @default 10000 */
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs `fields` at info unless this window's budget is spent. */
  info(fields: Record<string, unknown>): void {
    const t = this.now();
    if (t - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) this.log.info({ suppressed: this.suppressed }, `${this.msg} (more suppressed)`);
      this.windowStart = t;
      this.count = 0;
      this.suppressed = 0;
    }
    if (this.count < this.perWindow) {
      this.count++;
      this.log.info(fields, this.msg);
    } else this.suppressed++;
  }
}
