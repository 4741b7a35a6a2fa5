/** API keys for the server HTTP API, compared in constant time and never logged. */
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (s: string) => createHash("sha256").update(s).digest();

export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  /** True when no key is configured: the HTTP API is then open (development only). */
  get open(): boolean {
    return this.digests.length === 0;
  }

  /** Whether `key` is one of the configured keys. */
  verify(key: string | undefined): boolean {
    if (key === undefined) return false;
    const d = digest(key);
    let ok = false;
    for (const k of this.digests) ok = timingSafeEqual(k, d) || ok;
    return ok;
  }
}
