/**
 * The ingest pipeline as the gateway holds it: the dead-letter store, the publisher key
 * registry, the shared dedup cache (Redis on the Redis engine), every namespace's stages, and
 * the `Ingest` sink sources hand their events to. Built once from configuration; started and
 * closed with the gateway.
 */
import type { Redis } from "ioredis";
import type { HeraldConfig } from "../config-types.js";
import { engineRedisTarget, openRedis } from "../engine/redis-open.js";
import type { Namespaces } from "../hub/namespaces.js";
import type { Logger } from "../log.js";
import { TracedStage } from "../tracing/traced-stage.js";
import { buildPipelines, pipelineResolver } from "./build.js";
import type { DeadLetterStore } from "./dead-letter.js";
import { MemoryDeadLetterStore } from "./dead-letter-memory.js";
import { PostgresDeadLetterStore } from "./dead-letter-postgres.js";
import { SqliteDeadLetterStore } from "./dead-letter-sqlite.js";
import type { DedupCache } from "./dedup.js";
import { RedisDedupCache } from "./dedup-redis.js";
import { Ingest, type PublishPath } from "./ingest.js";
import { KeyRegistry, type PublisherKey, readKeyFile } from "./publisher-keys.js";
import { StageCounts } from "./stage-counts.js";
import type { PipelineResolver } from "./stages.js";

const DAY_MS = 86_400_000;

/** The dead-letter store `config.deadLetters` names. */
export function deadLetterStoreOf(config: HeraldConfig): DeadLetterStore {
  const d = config.deadLetters;
  const options = { maxEntries: d.maxEntries, retentionMs: d.retentionDays * DAY_MS };
  switch (d.store) {
    case "memory":
      return new MemoryDeadLetterStore(d.maxEntries, Date.now, options.retentionMs);
    case "sqlite":
      return new SqliteDeadLetterStore(d.path, options);
    case "postgres":
      if (config.store.url === undefined) throw new Error('deadLetters.store "postgres" needs store.url');
      return new PostgresDeadLetterStore(config.store.url, config.store.schema, options);
  }
}

/** Every configured publisher key: `publisherKeys.keys` and the keys of `publisherKeys.file`. */
export function configuredKeys(config: HeraldConfig): PublisherKey[] {
  const file = config.publisherKeys.file;
  return [...config.publisherKeys.keys, ...(file !== undefined ? readKeyFile(file) : [])];
}

function usesDedup(config: HeraldConfig): boolean {
  return config.namespaces.some((ns) => (ns.pipeline ?? []).some((s) => s.stage === "dedup"));
}

export class PipelineRuntime {
  readonly deadLetters: DeadLetterStore;
  readonly keys: KeyRegistry;
  /** Passed and refused events per configured stage (`GET /api/pipeline`, metrics). */
  readonly counts = new StageCounts();
  /** The declared path's `pipeline` stage resolver; undefined when no namespace has stages. */
  readonly resolver: PipelineResolver | undefined;
  private readonly redis: Redis | undefined;

  constructor(
    config: HeraldConfig,
    namespaces: Namespaces,
    private readonly log: Logger,
    deadLetters?: DeadLetterStore,
  ) {
    this.deadLetters = deadLetters ?? deadLetterStoreOf(config);
    this.keys = new KeyRegistry(configuredKeys(config));
    let dedupCache: DedupCache | undefined;
    if (config.engine.type === "redis" && usesDedup(config)) {
      // Shared by every node, so a resend reaching another node is still a duplicate.
      this.redis = openRedis(engineRedisTarget(config.engine), { lazyConnect: true, maxRetriesPerRequest: 2 });
      this.redis.on("error", (err) => this.log.warn({ err }, "dedup redis connection error"));
      dedupCache = new RedisDedupCache(this.redis, config.engine.keyPrefix);
    }
    const deps = { keys: this.keys, deadLetters: this.deadLetters, ...(dedupCache && { dedupCache }) };
    const pipelines = buildPipelines(config.namespaces, deps);
    for (const [ns, stages] of pipelines)
      pipelines.set(
        ns,
        stages.map((st, i) => new TracedStage(this.counts.wrap(ns.prefix, i, st))),
      );
    this.resolver = pipelineResolver(namespaces, pipelines);
  }

  /** An `Ingest` over `publish` that dead-letters into this runtime's store. */
  ingest(publish: PublishPath): Ingest {
    return new Ingest(publish, this.deadLetters);
  }

  async start(): Promise<void> {
    await this.redis?.connect();
    await this.keys.start();
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
    const closable = this.deadLetters as { close?: () => unknown };
    await closable.close?.();
  }
}
