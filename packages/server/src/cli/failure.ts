/**
 * Turns whatever a command threw into one line and an exit code (docs/cli.md), so a user sees
 * "herald: port 8080 is already in use" rather than a stack trace. `--debug` adds the stack.
 */
import type { ConfigError } from "../config.js";
import { CliError, ExitCode } from "./args.js";

/** What the CLI prints and returns for a failure. */
export interface Failure {
  message: string;
  exitCode: number;
  /** The usage of the command should follow the message. */
  usage: boolean;
}

const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "ECONNRESET",
  "EAI_AGAIN",
]);

/** The system error code of `err`, looking through `cause` and AggregateError members. */
function errnoOf(err: unknown, depth = 0): { code: string; err: Error } | undefined {
  if (!(err instanceof Error) || depth > 4) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && (code === "EADDRINUSE" || code === "EACCES" || UNREACHABLE.has(code))) {
    return { code, err };
  }
  if (err instanceof AggregateError) {
    for (const e of err.errors) {
      const found = errnoOf(e, depth + 1);
      if (found) return found;
    }
  }
  return errnoOf(err.cause, depth + 1);
}

/** Classifies `err`. */
export function describeFailure(err: unknown): Failure {
  if (err instanceof CliError) {
    return { message: err.message, exitCode: err.exitCode, usage: err.exitCode === ExitCode.usage };
  }
  // By name: importing config.js (and its schema compiler) would slow down every command.
  if (err instanceof Error && err.name === "ConfigError") {
    return {
      message: `invalid configuration: ${(err as ConfigError).problems.join("; ")}`,
      exitCode: ExitCode.config,
      usage: false,
    };
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
    return { message: (err as Error).message, exitCode: ExitCode.usage, usage: true };
  }
  const errno = errnoOf(err);
  if (errno?.code === "EADDRINUSE" || errno?.code === "EACCES") {
    const e = errno.err as { address?: string; port?: number };
    const where = e.port !== undefined ? `${e.address ?? ""}:${e.port}` : errno.err.message;
    const what = errno.code === "EADDRINUSE" ? "is already in use" : "needs privileges to listen on";
    return { message: `cannot listen: ${where} ${what}`, exitCode: ExitCode.unavailable, usage: false };
  }
  if (errno) {
    const e = errno.err as { address?: string; port?: number; hostname?: string };
    const where = e.port !== undefined ? `${e.address ?? e.hostname ?? ""}:${e.port}` : (e.hostname ?? "");
    return {
      message: `cannot reach ${where || "the server"} (${errno.code})`,
      exitCode: ExitCode.unavailable,
      usage: false,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { message: `${message} (run with --debug for the stack)`, exitCode: ExitCode.software, usage: false };
}
