/**
 * The `lookup` enricher: a static table keyed by one field's value, e.g. a source id → its name
 * and trust level. The row (any JSON value) is written under `target`; a missing key writes
 * `fallback` when one is configured, else nothing.
 */
import { type FilterSubject, readPath } from "@herald/protocol";
import type { PublishRequest } from "../../engine/broker.js";
import type { Enricher, Enrichment } from "./enricher.js";

export interface LookupOptions {
  use: "lookup";
  /** Field whose value is the key (filter path syntax). */
  field: string;
  /** Rows by key. */
  table: Record<string, unknown>;
  /** Field of `data` written. */
  target: string;
  /** Written when the key is not in the table. */
  fallback?: unknown;
}

export class LookupEnricher implements Enricher {
  readonly kind = "lookup";
  private readonly path: string[];
  private readonly table: Map<string, unknown>;

  constructor(private readonly options: LookupOptions) {
    this.path = options.field.split(".");
    this.table = new Map(Object.entries(options.table));
  }

  enrich(request: PublishRequest): Enrichment | undefined {
    const key = readPath(request as unknown as FilterSubject, this.path);
    const row = key === undefined || key === null ? undefined : this.table.get(String(key));
    const value = row ?? this.options.fallback;
    return value === undefined ? undefined : { [this.options.target]: value };
  }
}
