/** Durations in configuration and API bodies: milliseconds as a number, or `500ms`, `1s`, `5m`, `1h`, `1d`. */
import { HeraldError } from "@herald/protocol";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a duration; throws `bad_request` naming `what` when it is not a positive whole number of ms. */
export function parseDuration(value: unknown, what: string): number {
  let ms: number | undefined;
  if (typeof value === "number") ms = value;
  else if (typeof value === "string") {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
    if (m) ms = Number(m[1]) * (UNITS[m[2] as string] as number);
  }
  if (ms === undefined || !Number.isInteger(ms) || ms <= 0) {
    throw new HeraldError("bad_request", `${what} must be a positive duration (ms, or like "500ms", "1s", "5m", "1h")`);
  }
  return ms;
}
