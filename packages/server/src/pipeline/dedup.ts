/**
 * The `dedup` stage: drops content that was already published under another id — for sources
 * that resend the same content with fresh ids (idempotency by `id` already lives in the broker).
 *
 * The content hash is SHA-256 over the canonical JSON (RFC 8785) of the chosen fields (default
 * `topic`, `event`, `data`). The first event with a hash is remembered with its id (an id is
 * assigned here when the publisher gave none); a later one with the same hash is given that id,
 * so the broker's idempotency answers it with the original event (`duplicate: true`) and
 * delivers nothing. The broker remembers ids for `idempotency.ttlSeconds`, which the
 * configuration raises to the longest dedup window (docs/pipeline.md).
 *
 * The cache (`DedupCache`) is per node in memory (bounded: `size` entries, `ttlSeconds` each),
 * or shared by every node in Redis on the Redis engine (entries expire after `ttlSeconds`).
 */
import { createHash, randomUUID } from "node:crypto";
import { type FilterSubject, readPath } from "@herald/protocol";
import canonicalize from "canonicalize";
import type { PublishRequest } from "../engine/broker.js";
import type { Stage, StageResult } from "./stage.js";

export interface DedupOptions {
  stage: "dedup";
  /** Entries kept in the memory cache. @default 1000 */
  size?: number;
  /** Seconds a content hash is remembered. @default 3600 */
  ttlSeconds?: number;
  /** Field paths hashed (filter path syntax). @default ["topic", "event", "data"] */
  fields?: string[];
}

/** Remembers content hashes and the id first published with each. */
export interface DedupCache {
  /**
   * Records `id` for `hash` unless the hash is known; returns the id recorded earlier, or
   * undefined when `hash` is new.
   */
  claim(hash: string, id: string, ttlMs: number): string | undefined | Promise<string | undefined>;
}

/** A bounded in-memory cache: oldest entries go first, each expires after its TTL. */
export class MemoryDedupCache implements DedupCache {
  private readonly entries = new Map<string, { id: string; until: number }>();

  constructor(
    private readonly size: number,
    private readonly now: () => number = Date.now,
  ) {}

  claim(hash: string, id: string, ttlMs: number): string | undefined {
    const now = this.now();
    const hit = this.entries.get(hash);
    if (hit !== undefined && hit.until > now) return hit.id;
    if (hit !== undefined) this.entries.delete(hash);
    this.entries.set(hash, { id, until: now + ttlMs });
    // Entries are in insertion order: drop expired ones from the head, then the oldest over size.
    for (const [k, v] of this.entries) {
      if (v.until > now && this.entries.size <= this.size) break;
      this.entries.delete(k);
    }
    return undefined;
  }

  get count(): number {
    return this.entries.size;
  }
}

export class DedupStage implements Stage {
  readonly name = "dedup";
  private readonly ttlMs: number;
  private readonly fields: string[][];
  /** Duplicates dropped by this stage. */
  duplicates = 0;

  constructor(
    options: DedupOptions,
    private readonly cache: DedupCache,
    /** Scopes the hash (the namespace prefix), so equal content in two namespaces is not confused. */
    private readonly scope = "",
  ) {
    this.ttlMs = (options.ttlSeconds ?? 3600) * 1000;
    this.fields = (options.fields ?? ["topic", "event", "data"]).map((f) => f.split("."));
  }

  /** The content hash of a request. */
  hash(request: PublishRequest): string {
    const subject = { ...request, event: request.event ?? "message" } as unknown as FilterSubject;
    const picked = this.fields.map((path) => readPath(subject, path) ?? null);
    return createHash("sha256")
      .update(this.scope)
      .update("\n")
      .update(canonicalize(picked) as string)
      .digest("base64url");
  }

  run(request: PublishRequest): StageResult {
    const id = request.id ?? randomUUID();
    const prior = this.cache.claim(this.hash(request), id, this.ttlMs);
    if (prior instanceof Promise) return prior.then((p) => this.decide(request, id, p));
    return this.decide(request, id, prior);
  }

  private decide(request: PublishRequest, id: string, prior: string | undefined): PublishRequest {
    if (prior !== undefined && prior !== id) {
      this.duplicates++;
      return { ...request, id: prior };
    }
    return request.id === id ? request : { ...request, id };
  }
}
