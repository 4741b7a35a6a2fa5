/** Small helpers shared by the CLI commands: errors with exit codes, argument parsers. */

/**
 * Exit codes of the `herald` command (docs/cli.md). Stable: scripts branch on them.
 * Values from BSD sysexits where one fits (69 unavailable, 70 software, 78 configuration).
 */
export const ExitCode = {
  ok: 0,
  /** The operation failed: the server answered with an error. */
  failed: 1,
  /** Bad command line: unknown command or option, missing or malformed argument. */
  usage: 2,
  /** The server refused us: authentication or authorisation failed, a terminal close code. */
  refused: 3,
  /** Something needed is unreachable: the server, a port already in use, Redis or Postgres. */
  unavailable: 69,
  /** A bug or an unexpected error (the stack is printed with --debug). */
  software: 70,
  /** The configuration (file or environment) is invalid. */
  config: 78,
} as const;

/** A failure the CLI reports as one line and the exit code it carries. */
export class CliError extends Error {
  override readonly name: string = "CliError";
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A bad command line (exit 2, usage printed). */
export class UsageError extends CliError {
  override readonly name = "UsageError";
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** Parses `epoch:n` (as printed by `tail`) into a position. */
export function parsePosition(text: string): { epoch: string; n: number } {
  const i = text.lastIndexOf(":");
  const n = Number(text.slice(i + 1));
  if (i <= 0 || !Number.isSafeInteger(n) || n < 0)
    throw new UsageError(`--since must look like EPOCH:N, got "${text}"`);
  return { epoch: text.slice(0, i), n };
}

/** Parses a JSON argument; `raw` takes it as a string as it is. Invalid JSON is a usage error. */
export function parseData(text: string, raw = false, what = "JSON"): unknown {
  if (raw) return text;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `${what} is not valid JSON (${(err as Error).message}); quote strings ('"text"') or pass --raw`,
    );
  }
}

/** Parses a TCP port (0–65535). */
export function parsePort(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new UsageError(`--port must be 0–65535, got "${text}"`);
  return Number(text);
}
