/**
 * What of a client's connection request the hooks pass on to the backend: the headers and
 * cookies named in `hooks.forwardHeaders` / `hooks.forwardCookies`, nothing else. Read once
 * when the connection is accepted; the backend receives them as request headers of each hook
 * call (cookies as one `cookie` header holding only the allowed ones).
 */
import type { IncomingHttpHeaders } from "node:http";
import { parseCookie, stringifyCookie } from "cookie";

export type Forwarded = Record<string, string>;

export class ForwardList {
  private readonly headers: readonly string[];
  private readonly cookies: ReadonlySet<string>;

  constructor(headers: readonly string[], cookies: readonly string[]) {
    // "cookie" is never passed whole: only the allowed cookies, rebuilt.
    this.headers = headers.map((h) => h.toLowerCase()).filter((h) => h !== "cookie");
    this.cookies = new Set(cookies);
  }

  get empty(): boolean {
    return this.headers.length === 0 && this.cookies.size === 0;
  }

  /** The allowed part of `headers`; `undefined` when nothing is allowed or present. */
  pick(headers: IncomingHttpHeaders): Forwarded | undefined {
    if (this.empty) return undefined;
    let out: Forwarded | undefined;
    for (const name of this.headers) {
      const v = headers[name];
      if (v === undefined) continue;
      out ??= {};
      out[name] = Array.isArray(v) ? v.join(", ") : v;
    }
    const raw = headers.cookie;
    if (this.cookies.size > 0 && typeof raw === "string") {
      const all = parseCookie(raw);
      const kept: Record<string, string> = {};
      let any = false;
      for (const name of this.cookies) {
        const v = all[name];
        if (v !== undefined) {
          kept[name] = v;
          any = true;
        }
      }
      if (any) {
        out ??= {};
        out.cookie = stringifyCookie(kept);
      }
    }
    return out;
  }
}
