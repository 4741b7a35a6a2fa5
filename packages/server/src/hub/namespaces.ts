/**
 * Finds the namespace that governs a topic: the configured prefix with the most segments that
 * is the topic itself or a dotted prefix of it; the default namespace (`""`) otherwise.
 * Results are cached per topic (bounded), so the hot path does one Map lookup.
 */
import type { NamespaceConfig } from "../namespace-config.js";

const CACHE_LIMIT = 100_000;

export class Namespaces {
  private readonly byPrefix = new Map<string, NamespaceConfig>();
  private readonly fallback: NamespaceConfig;
  private readonly cache = new Map<string, NamespaceConfig>();

  constructor(readonly all: readonly NamespaceConfig[]) {
    let fallback: NamespaceConfig | undefined;
    for (const ns of all) {
      if (ns.prefix === "") fallback = ns;
      else this.byPrefix.set(ns.prefix, ns);
    }
    if (fallback === undefined) throw new Error('namespaces need a default namespace with prefix ""');
    this.fallback = fallback;
  }

  /** The namespace of a concrete topic. */
  of(topic: string): NamespaceConfig {
    const hit = this.cache.get(topic);
    if (hit !== undefined) return hit;
    let found = this.fallback;
    if (this.byPrefix.size > 0) {
      let end = topic.length;
      while (end > 0) {
        const ns = this.byPrefix.get(end === topic.length ? topic : topic.slice(0, end));
        if (ns !== undefined) {
          found = ns;
          break;
        }
        end = topic.lastIndexOf(".", end - 1);
      }
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(topic, found);
    return found;
  }
}
