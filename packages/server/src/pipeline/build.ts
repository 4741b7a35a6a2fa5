/**
 * Builds the configured stages of each namespace (`namespaces[].pipeline`) once, at start, and
 * the resolver the declared `pipeline` stage uses to find them per event (one cached Map
 * lookup by namespace).
 */
import type { PublishRequest } from "../engine/broker.js";
import type { Namespaces } from "../hub/namespaces.js";
import type { DeadLetterStore } from "./dead-letter.js";
import { type DedupCache, DedupStage, MemoryDedupCache } from "./dedup.js";
import { Categorizer } from "./enrich/categorize.js";
import { type Enricher, EnrichStage } from "./enrich/enricher.js";
import { HttpEnricher } from "./enrich/http.js";
import { LookupEnricher } from "./enrich/lookup.js";
import { SentimentEnricher } from "./enrich/sentiment.js";
import type { EnrichOptions, StageOptions } from "./options.js";
import type { KeyRegistry } from "./publisher-keys.js";
import { RouteStage } from "./route.js";
import type { Stage } from "./stage.js";
import type { PipelineResolver } from "./stages.js";
import { ValidateStage } from "./validate.js";
import { VerifyStage } from "./verify.js";

/** What the builder reads of a namespace (kept narrow so this module does not import the config module). */
export interface PipelineNamespace {
  prefix: string;
  pipeline?: StageOptions[];
}

/** What configured stages share: the key registry, the dead-letter store, the dedup cache. */
export interface StageDeps {
  keys: KeyRegistry;
  deadLetters: DeadLetterStore;
  /** A shared dedup cache (Redis on the Redis engine); a bounded memory cache per stage when absent. */
  dedupCache?: DedupCache;
}

function enricherOf(options: EnrichOptions): Enricher {
  switch (options.use) {
    case "categorize":
      return new Categorizer(options);
    case "sentiment":
      return new SentimentEnricher(options);
    case "lookup":
      return new LookupEnricher(options);
    case "http":
      return new HttpEnricher(options);
  }
}

/** Builds one stage; throws (an `Error` or `HeraldError`) when its options cannot be used. */
export function buildStage(options: StageOptions, deps: StageDeps, scope: string): Stage {
  switch (options.stage) {
    case "validate":
      return new ValidateStage(options);
    case "verify":
      return new VerifyStage(options, deps.keys);
    case "dedup":
      return new DedupStage(options, deps.dedupCache ?? new MemoryDedupCache(options.size ?? 1000), scope);
    case "enrich":
      return new EnrichStage(enricherOf(options), options.onError ?? "reject", deps.deadLetters);
    case "route":
      return new RouteStage(options);
  }
}

/** Builds every namespace's stages; throws an `Error` whose lines name each stage that failed. */
export function buildPipelines<N extends PipelineNamespace>(all: readonly N[], deps: StageDeps): Map<N, Stage[]> {
  const out = new Map<N, Stage[]>();
  const problems = pipelineBuildProblems(all, deps, out);
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return out;
}

/** Tries to build every stage; one line per stage that cannot be built. */
export function pipelineBuildProblems<N extends PipelineNamespace>(
  all: readonly N[],
  deps: StageDeps,
  out = new Map<N, Stage[]>(),
): string[] {
  const problems: string[] = [];
  all.forEach((ns, i) => {
    const stages: Stage[] = [];
    (ns.pipeline ?? []).forEach((options, j) => {
      try {
        stages.push(buildStage(options, deps, ns.prefix));
      } catch (err) {
        problems.push(`config.namespaces[${i}].pipeline[${j}] (${options.stage}): ${(err as Error).message}`);
      }
    });
    if (stages.length > 0) out.set(ns, stages);
  });
  return problems;
}

/** The resolver of the declared `pipeline` stage; undefined when no namespace has stages. */
export function pipelineResolver(
  namespaces: Namespaces,
  pipelines: Map<PipelineNamespace, Stage[]>,
): PipelineResolver | undefined {
  if (pipelines.size === 0) return undefined;
  return (request: PublishRequest) => pipelines.get(namespaces.of(request.topic));
}
