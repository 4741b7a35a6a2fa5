/** Structured JSON logs (pino). API keys and tokens are redacted wherever they appear. */
import { type Logger, pino } from "pino";

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "herald" },
    redact: {
      paths: ["token", "apiKey", "req.headers.authorization", 'req.headers["x-api-key"]', "*.token"],
      censor: "[redacted]",
    },
  });
}
