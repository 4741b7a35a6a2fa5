/**
 * API keys for the server HTTP API, compared in constant time and never logged. A key is
 * either unscoped (full access) or scoped to topic prefixes it may publish to and read.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { ScopedApiKeyConfig } from "../config-types.js";

const digest = (s: string) => createHash("sha256").update(s).digest();

/** What a verified key may do. `name` is safe to log; the key itself never is. */
export interface ApiKeyGrant {
  name: string;
  /** Unscoped keys may call every route. */
  full: boolean;
  /** Topic prefixes (whole segments; `""` is all) the key may publish to. */
  publish: readonly string[];
  /** Topic prefixes whose history the key may read. */
  read: readonly string[];
}

/** Whether `topic` is `prefix` or below it, by whole segments (`""` covers everything). */
export function underPrefix(topic: string, prefix: string): boolean {
  return prefix === "" || topic === prefix || topic.startsWith(`${prefix}.`);
}

export class ApiKeys {
  private readonly entries: Array<{ digest: Buffer; grant: ApiKeyGrant }>;

  constructor(keys: readonly string[], scoped: readonly ScopedApiKeyConfig[] = []) {
    this.entries = [
      ...keys.map((k, i) => ({
        digest: digest(k),
        grant: Object.freeze({ name: `key#${i + 1}`, full: true, publish: [""], read: [""] }),
      })),
      ...scoped.map((k) => ({
        digest: digest(k.key),
        grant: Object.freeze({ name: k.name, full: false, publish: [...k.publish], read: [...k.read] }),
      })),
    ];
  }

  /** True when no key is configured: the HTTP API is then open (development only). */
  get open(): boolean {
    return this.entries.length === 0;
  }

  /**
   * The grant of `key`, or undefined. Every configured key is compared, in constant time, so
   * the answer's timing says nothing about which key (or how much of one) matched.
   */
  grant(key: string | undefined): ApiKeyGrant | undefined {
    if (key === undefined) return undefined;
    const d = digest(key);
    let found: ApiKeyGrant | undefined;
    for (const e of this.entries) if (timingSafeEqual(e.digest, d)) found = e.grant;
    return found;
  }

  /** Whether `key` is one of the configured keys. */
  verify(key: string | undefined): boolean {
    return this.grant(key) !== undefined;
  }
}
