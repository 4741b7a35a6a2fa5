/**
 * The SSE `id:` field: where a connection is in every one of its subscriptions, so a browser
 * `EventSource` that reconnects with `Last-Event-ID` resumes all of them exactly.
 *
 * Format: `h1;<fp>;<epoch>,<n>;<epoch>,<n>…` — one position per subscription, in the order of
 * the subscription list. `n` is the topic's `seq` for a topic and the stream `offset` for a
 * pattern (whose epoch is the stream epoch), in base 36; epochs are URI-encoded so the
 * separators cannot occur in them. `fp` fingerprints the subscription list: a cursor from
 * another topic set is refused instead of being applied to the wrong subscriptions.
 */
import { HeraldError } from "@herald/protocol";

/** A position in one subscription: `{epoch, seq}` for a topic, `{epoch, offset}` for a pattern. */
export interface CursorPosition {
  epoch: string;
  n: number;
}

/** Longest `Last-Event-ID` accepted (100 subscriptions of long epochs fit well below it). */
export const MAX_CURSOR_LENGTH = 16_384;

const VERSION = "h1";
const NUMBER = /^[0-9a-z]{1,11}$/;

/** FNV-1a over the subscription names, base 36: short, stable across nodes and restarts. */
export function fingerprint(names: readonly string[]): string {
  let h = 0x811c9dc5;
  const text = names.join("\n");
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

/** Encodes the positions of every subscription (`undefined` where none is known yet: `-`). */
export function encodeCursor(fp: string, positions: ReadonlyArray<CursorPosition | undefined>): string {
  let s = `${VERSION};${fp}`;
  for (const p of positions) s += p === undefined ? ";-" : `;${encodeURIComponent(p.epoch)},${p.n.toString(36)}`;
  return s;
}

/**
 * Decodes a `Last-Event-ID` for the subscription list fingerprinted `fp` with `count` entries.
 * Returns one position per subscription (`undefined`: none known, subscribe fresh). Throws
 * `invalid_position` for anything malformed, negative, too long or issued for another list.
 */
export function decodeCursor(raw: string, fp: string, count: number): Array<CursorPosition | undefined> {
  const bad = (why: string) => new HeraldError("invalid_position", `Last-Event-ID ${why}`);
  if (raw.length > MAX_CURSOR_LENGTH) throw bad(`is longer than ${MAX_CURSOR_LENGTH} characters`);
  const parts = raw.split(";");
  if (parts[0] !== VERSION || parts.length < 2) throw bad("is not a Herald SSE position");
  if (parts[1] !== fp) throw bad("was issued for a different set of topics; reconnect without it");
  if (parts.length - 2 !== count) throw bad(`has ${parts.length - 2} positions for ${count} subscriptions`);
  const out: Array<CursorPosition | undefined> = [];
  for (const part of parts.slice(2)) {
    if (part === "-") {
      out.push(undefined);
      continue;
    }
    const comma = part.lastIndexOf(",");
    const epochText = part.slice(0, comma);
    const num = part.slice(comma + 1);
    if (comma <= 0 || !NUMBER.test(num)) throw bad(`has a malformed position "${part.slice(0, 40)}"`);
    let epoch: string;
    try {
      epoch = decodeURIComponent(epochText);
    } catch {
      throw bad(`has a malformed epoch "${epochText.slice(0, 40)}"`);
    }
    const n = Number.parseInt(num, 36);
    if (!Number.isSafeInteger(n) || n < 0) throw bad(`has an out-of-range position "${num}"`);
    out.push({ epoch, n });
  }
  return out;
}
