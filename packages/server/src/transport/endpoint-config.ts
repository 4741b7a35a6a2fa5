/**
 * Configuration of configured WebSocket endpoints (`endpoints[]`) and its checks. Kept apart
 * from `endpoints.ts` so the config module can validate it without loading the transports.
 */
import { compileFilter, type Filter, parseRate, patternProblem, type SubscriptionRate } from "@herald/protocol";

/** One configured endpoint (config `endpoints[]`). */
export interface EndpointConfig {
  /** Path template; `:name` segments are parameters, e.g. `/api/v1/ws/analysis/:contentId`. */
  path: string;
  /**
   * Topics or patterns subscribed on connect. `{name}` is replaced by the path parameter,
   * `{user}` by the user id, and a whole `{personal}` by the user's personal topic.
   */
  subscribe: string[];
  /** `native` frames, or `typed` `{type, data, timestamp}` messages. @default "native" */
  envelope?: "native" | "typed";
  /** Filter and delivery rate of the auto-subscriptions (as in a `subscribe` frame). @default {} */
  subscription?: { filter?: Filter; rate?: SubscriptionRate };
  /**
   * Event type names for this endpoint's clients, e.g. `{"notification": "new_notification"}`:
   * the `event` field of an event frame carries the new name. @default {}
   */
  eventNames?: Record<string, string>;
  /** Offer permessage-deflate on this endpoint, on the terms of `compression`. @default false */
  compression?: boolean;
}

export const PARAM = /^:([A-Za-z_][A-Za-z0-9_]*)$/;
export const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
export const SEGMENT = /^[A-Za-z0-9_\-:@=+~]+$/;

/** Checks configured endpoints; returns one line per problem (used at config validation). */
export function endpointProblems(endpoints: readonly EndpointConfig[], reserved: readonly string[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  endpoints.forEach((e, i) => {
    const where = `config.endpoints[${i}]`;
    if (!e.path.startsWith("/")) problems.push(`${where}.path must start with "/"`);
    if (e.subscription?.filter !== undefined) {
      try {
        compileFilter(e.subscription.filter);
      } catch (err) {
        problems.push(`${where}.subscription.filter: ${(err as Error).message}`);
      }
    }
    if (e.subscription?.rate !== undefined) {
      const rate = parseRate(e.subscription.rate);
      if (rate instanceof Error) problems.push(`${where}.subscription: ${rate.message}`);
    }
    const shape = e.path.replace(/:[^/]+/g, ":");
    if (seen.has(shape)) problems.push(`${where}.path "${e.path}" is declared twice`);
    seen.add(shape);
    if (reserved.some((r) => e.path === r || e.path.startsWith(`${r.replace(/\/$/, "")}/`))) {
      problems.push(`${where}.path "${e.path}" collides with a built-in path (${reserved.join(", ")})`);
    }
    const params = new Set<string>();
    for (const seg of e.path.split("/").slice(1)) {
      const m = PARAM.exec(seg);
      if (m) params.add(m[1] as string);
      else if (seg.startsWith(":")) problems.push(`${where}.path has an invalid parameter "${seg}"`);
    }
    e.subscribe.forEach((t, j) => {
      let sample = t;
      if (t === "{personal}") sample = "user.u";
      else {
        for (const m of t.matchAll(PLACEHOLDER)) {
          const name = m[1] as string;
          if (name !== "user" && !params.has(name)) {
            problems.push(`${where}.subscribe[${j}] uses {${name}}, which is not a parameter of "${e.path}"`);
          }
        }
        sample = t.replace(PLACEHOLDER, "x");
      }
      const problem = patternProblem(sample);
      if (problem !== undefined) problems.push(`${where}.subscribe[${j}] "${t}": ${problem}`);
    });
  });
  return problems;
}
