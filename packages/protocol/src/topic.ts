/**
 * Topic names and subscription patterns.
 *
 * A topic is a dotted name such as `market.price.CF1-001`. A pattern is a topic name in which
 * a whole segment may be `*` (exactly one segment) and the last segment may be `>` (one or
 * more trailing segments). These helpers are shared by the server and the client SDK.
 */

/** Longest topic or pattern accepted. @default 255 */
export const MAX_TOPIC_LENGTH = 255;

/** Most segments a topic or pattern may have. @default 16 */
export const MAX_TOPIC_SEGMENTS = 16;

const SEGMENT_CHARS = "[A-Za-z0-9_\\-:@=+~]+";
const SEGMENT = new RegExp(`^${SEGMENT_CHARS}$`);
/** A whole valid topic of at most MAX_TOPIC_SEGMENTS segments in one test: the common case, without splitting. */
const TOPIC = new RegExp(`^${SEGMENT_CHARS}(?:\\.${SEGMENT_CHARS}){0,${MAX_TOPIC_SEGMENTS - 1}}$`);

/** Why a topic or pattern was refused; `undefined` means it is valid. */
export type TopicProblem = string | undefined;

function checkShape(name: unknown, what: string, maxLength: number): string[] | string {
  if (typeof name !== "string") return `${what} must be a string`;
  if (name.length === 0) return `${what} must not be empty`;
  if (name.length > maxLength) return `${what} is longer than ${maxLength} characters`;
  const segments = name.split(".");
  if (segments.length > MAX_TOPIC_SEGMENTS) return `${what} has more than ${MAX_TOPIC_SEGMENTS} segments`;
  return segments;
}

/** Checks a concrete topic name (no wildcards). Returns a reason when it is invalid. */
export function topicProblem(name: unknown, maxLength = MAX_TOPIC_LENGTH): TopicProblem {
  if (typeof name === "string" && name.length <= maxLength && TOPIC.test(name)) return undefined;
  const segments = checkShape(name, "topic", maxLength);
  if (typeof segments === "string") return segments;
  for (const s of segments) {
    if (s.length === 0) return `topic "${name as string}" has an empty segment`;
    if (!SEGMENT.test(s)) return `topic segment "${s}" may only contain A-Z a-z 0-9 _ - : @ = + ~`;
  }
  return undefined;
}

/** Checks a topic or a pattern (`*` segments, a final `>`). Returns a reason when invalid. */
export function patternProblem(name: unknown, maxLength = MAX_TOPIC_LENGTH): TopicProblem {
  const segments = checkShape(name, "pattern", maxLength);
  if (typeof segments === "string") return segments;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i] as string;
    if (s === "*") continue;
    if (s === ">") {
      if (i !== segments.length - 1) return `">" may only be the last segment of "${name as string}"`;
      continue;
    }
    if (s.length === 0) return `pattern "${name as string}" has an empty segment`;
    if (!SEGMENT.test(s)) return `pattern segment "${s}" may only contain A-Z a-z 0-9 _ - : @ = + ~, or be * or >`;
  }
  return undefined;
}

/** True when the name contains a wildcard segment. Assumes the name passed `patternProblem`. */
export function isPattern(name: string): boolean {
  if (name === "*" || name === ">") return true;
  return name.startsWith("*.") || name.endsWith(".>") || name.endsWith(".*") || name.includes(".*.");
}

/**
 * Whether `topic` matches `pattern`, segment by segment. This is the reference definition;
 * the server dispatches through a trie instead of calling this once per subscription.
 */
export function topicMatches(pattern: string, topic: string): boolean {
  if (pattern === topic) return true;
  const p = pattern.split(".");
  const t = topic.split(".");
  for (let i = 0; i < p.length; i++) {
    const seg = p[i];
    if (seg === ">") return t.length > i;
    if (i >= t.length) return false;
    if (seg !== "*" && seg !== t[i]) return false;
  }
  return p.length === t.length;
}

/** Topic that `sendToUser` publishes to and every session of that user receives. */
export function personalTopic(user: string): string {
  if (user.length > 0 && user.length <= 128 && SEGMENT.test(user) && !user.startsWith("~")) return `user.${user}`;
  let b64: string;
  // Node's Buffer when present (faster); looked up on globalThis so the package needs no Node types.
  const NodeBuffer = (globalThis as { Buffer?: { from(s: string, e: string): { toString(e: string): string } } })
    .Buffer;
  if (NodeBuffer) b64 = NodeBuffer.from(user, "utf8").toString("base64url");
  else {
    const bytes = new TextEncoder().encode(user);
    let bin = "";
    for (const b of bytes) bin += String.fromCharCode(b);
    b64 = btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  return `user.~${b64}`;
}

/** Topic that `broadcast` publishes to; every session receives it. */
export const BROADCAST_TOPIC = "broadcast";
