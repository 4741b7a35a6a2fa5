/** Small helpers shared by the CLI commands. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Parses `epoch:n` (as printed by `tail`) into a position. */
export function parsePosition(text: string): { epoch: string; n: number } {
  const i = text.lastIndexOf(":");
  const n = Number(text.slice(i + 1));
  if (i <= 0 || !Number.isSafeInteger(n) || n < 0)
    throw new UsageError(`--since must look like EPOCH:N, got "${text}"`);
  return { epoch: text.slice(0, i), n };
}

/** Parses a JSON argument, or treats it as a string when it is not JSON. */
export function parseData(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
