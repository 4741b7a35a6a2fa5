/**
 * The `categorize` enricher: keyword and regular-expression rules over text fields → `category`
 * (the first rule that matches, in the order written) and `tags` (the tags of every rule that
 * matches, and their categories). Rules are compiled once; keywords match whole words, case
 * aside.
 */
import type { PublishRequest } from "../../engine/broker.js";
import { type Enricher, type Enrichment, textOf } from "./enricher.js";

export interface CategorizeRule {
  category: string;
  /** Whole words (or phrases), case-insensitive. */
  keywords?: string[];
  /** A regular expression (JavaScript syntax), case-insensitive. */
  regex?: string;
  /** Tags added when the rule matches. @default [] */
  tags?: string[];
}

export interface CategorizeOptions {
  use: "categorize";
  /** Text fields read (filter path syntax). @default ["text"] */
  fields?: string[];
  rules: CategorizeRule[];
  /** Category when no rule matches; none when absent. */
  fallback?: string;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export class Categorizer implements Enricher {
  readonly kind = "categorize";
  private readonly fields: string[][];
  private readonly rules: Array<{ category: string; test: RegExp; tags: string[] }>;

  /** Throws an `Error` naming a rule whose regex does not compile. */
  constructor(private readonly options: CategorizeOptions) {
    this.fields = (options.fields ?? ["text"]).map((f) => f.split("."));
    this.rules = options.rules.map((r, i) => {
      const parts: string[] = [];
      if (r.keywords !== undefined && r.keywords.length > 0) {
        parts.push(`(?<![\\p{L}\\p{N}])(?:${r.keywords.map(escapeRegex).join("|")})(?![\\p{L}\\p{N}])`);
      }
      if (r.regex !== undefined) parts.push(`(?:${r.regex})`);
      if (parts.length === 0) throw new Error(`rules[${i}] needs keywords or a regex`);
      let test: RegExp;
      try {
        test = new RegExp(parts.join("|"), "iu");
      } catch (err) {
        throw new Error(`rules[${i}].regex: ${(err as Error).message}`);
      }
      return { category: r.category, test, tags: r.tags ?? [] };
    });
  }

  enrich(request: PublishRequest): Enrichment | undefined {
    const texts: string[] = [];
    for (const f of this.fields) {
      const t = textOf(request, f);
      if (t !== undefined) texts.push(t);
    }
    const text = texts.join("\n");
    let category: string | undefined;
    const tags = new Set<string>();
    for (const r of this.rules) {
      if (!r.test.test(text)) continue;
      category ??= r.category;
      tags.add(r.category);
      for (const t of r.tags) tags.add(t);
    }
    category ??= this.options.fallback;
    if (category === undefined) return undefined;
    return { category, tags: [...tags] };
  }
}
