/**
 * Scope check for HTTP requests made with a scoped API key. Routes that write to topics name
 * them in the body (`topic`, or `events[].topic`); routes that read name one in the path
 * (`:topic`). A scoped key may call only such routes, and only for topics under its prefixes;
 * every other route needs an unscoped key.
 */
import { HeraldError } from "@herald/protocol";
import { type ApiKeyGrant, underPrefix } from "./api-key.js";

export interface ScopedRequest {
  method: string;
  body?: unknown;
  params?: unknown;
}

function topicsInBody(body: unknown): string[] | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const b = body as { topic?: unknown; events?: unknown };
  if (typeof b.topic === "string") return [b.topic];
  if (Array.isArray(b.events)) {
    return b.events.map((e) => (typeof e === "object" && e !== null ? String((e as { topic?: unknown }).topic) : ""));
  }
  return undefined;
}

/** Throws `forbidden` unless the grant covers what this request touches. */
export function enforceScope(grant: ApiKeyGrant, req: ScopedRequest): void {
  if (grant.full) return;
  const write = req.method !== "GET" && req.method !== "HEAD";
  const topics = write ? topicsInBody(req.body) : undefined;
  if (topics !== undefined) {
    for (const t of topics) {
      if (!grant.publish.some((p) => underPrefix(t, p))) {
        throw new HeraldError("forbidden", `API key "${grant.name}" may not publish to "${t.slice(0, 255)}"`);
      }
    }
    return;
  }
  const param = (req.params as { topic?: unknown } | undefined)?.topic;
  if (!write && typeof param === "string") {
    if (!grant.read.some((p) => underPrefix(param, p))) {
      throw new HeraldError("forbidden", `API key "${grant.name}" may not read "${param.slice(0, 255)}"`);
    }
    return;
  }
  throw new HeraldError("forbidden", `API key "${grant.name}" is scoped to topics; this route needs an unscoped key`);
}
