/**
 * Parsing of untrusted JSON (frames and bodies): nesting depth checked before parsing,
 * `__proto__` / `constructor.prototype` keys removed (secure-json-parse).
 */
import { HeraldError } from "@herald/protocol";
import sjson from "secure-json-parse";

/** Depth of the deepest array/object nesting in `text`, stopping early past `max`. */
export function jsonDepth(text: string, max: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > max) return deepest;
      }
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return deepest;
}

/** Parses untrusted JSON; throws `HeraldError` `too_deep` or `invalid_json`. */
export function parseJson(text: string, maxDepth: number): unknown {
  if (jsonDepth(text, maxDepth) > maxDepth) {
    throw new HeraldError("too_deep", `JSON nesting is deeper than ${maxDepth}`);
  }
  try {
    return sjson.parse(text, undefined, { protoAction: "remove", constructorAction: "remove" });
  } catch (err) {
    throw new HeraldError("invalid_json", `invalid JSON: ${(err as Error).message.slice(0, 200)}`, { cause: err });
  }
}

/** Depth of a parsed value (for bodies parsed by the HTTP framework). */
export function valueDepth(v: unknown, max: number, depth = 0): number {
  if (typeof v !== "object" || v === null) return depth;
  if (depth + 1 > max) return depth + 1;
  let deepest = depth + 1;
  for (const child of Array.isArray(v) ? v : Object.values(v)) {
    const d = valueDepth(child, max, depth + 1);
    if (d > deepest) deepest = d;
    if (deepest > max) break;
  }
  return deepest;
}
