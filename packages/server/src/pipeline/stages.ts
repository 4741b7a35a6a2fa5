/**
 * The publish path, declared: every event offered by any origin (HTTP API, client frame,
 * in-process code, a connector through `Ingest`) runs these stages in this order, then the
 * broker commits it (sequencing, idempotency by `id`, history, fan-out — one atomic step per
 * topic, which is why idempotency stays inside the broker rather than becoming a stage here).
 *
 *   1. topic     — a concrete, valid topic name (`invalid_topic`)
 *   2. expiry    — nothing is published on behalf of an expired token (`token_expired`)
 *   3. acl       — the principal, when there is one, may publish here (`forbidden`)
 *   4. pipeline  — the namespace's configured stages: validate, verify, dedup, enrich, route
 *                  (docs/pipeline.md); left out when no namespace has one
 *   5. state     — a state topic's merge patch is stamped with the node's clock
 *
 * Readiness is not a stage: the broker refuses with `unavailable` by itself when it cannot take
 * a publish (a node whose pub/sub is reconnecting, or one store down, still takes the others).
 *
 * The stages are built once; running them allocates nothing per event beyond what a stage
 * itself needs (the built-in three return the request unchanged).
 */
import { HeraldError, isPattern, topicProblem } from "@herald/protocol";
import { assertFresh } from "../auth/expiry.js";
import type { PublishOutcome, PublishRequest } from "../engine/broker.js";
import type { PublishContext, PublishParts, Stage, StageResult } from "./stage.js";

/** Throws `invalid_topic` unless `topic` is a concrete, valid topic name. */
export function assertTopic(topic: unknown): asserts topic is string {
  const problem = topicProblem(topic);
  if (problem !== undefined) {
    if (typeof topic === "string" && isPattern(topic)) {
      throw new HeraldError("invalid_topic", `"${topic}" is a pattern; a concrete topic is needed here`);
    }
    throw new HeraldError("invalid_topic", problem);
  }
}

const identity = (request: PublishRequest): PublishRequest => request;

/** Chooses the configured stages of the namespace that governs a request's topic. */
export type PipelineResolver = (request: PublishRequest) => readonly Stage[] | undefined;

/** Runs a namespace's configured stages as one stage of the declared path. */
class NamespacePipelineStage implements Stage {
  readonly name = "pipeline";
  constructor(private readonly resolve: PipelineResolver) {}
  run(request: PublishRequest, context: PublishContext): StageResult {
    const stages = this.resolve(request);
    if (stages === undefined || stages.length === 0) return request;
    return runStages<PublishRequest | PublishRequest[]>(stages, 0, request, context, identity, flatten);
  }
}

/**
 * The declared order (see the module comment). Without namespace pipelines (`pipelines`
 * undefined) the `pipeline` stage is left out, so a gateway without one pays nothing for it.
 */
export function declaredStages(parts: PublishParts, pipelines?: PipelineResolver): Stage[] {
  return [
    {
      name: "topic",
      run: (request) => {
        assertTopic(request.topic);
        return request;
      },
    },
    {
      name: "expiry",
      run: (request, context) => {
        assertFresh(context.principal);
        return request;
      },
    },
    {
      name: "acl",
      run: (request, context) => {
        if (context.principal !== undefined && !parts.acl.canPublish(context.principal, request.topic)) {
          const hint = context.principal.anonymous
            ? " (anonymous clients publish only with auth.anonymousPublish)"
            : "";
          throw new HeraldError("forbidden", `not allowed to publish to "${request.topic}"${hint}`);
        }
        return request;
      },
    },
    ...(pipelines === undefined ? [] : [new NamespacePipelineStage(pipelines)]),
    {
      name: "state",
      run: (request) => parts.state?.prepare(request) ?? request,
    },
  ];
}

/** A refusal carrying the name of the stage that made it (`details.stage`), kept when already set. */
export function tagStage(err: unknown, stage: string): HeraldError {
  if (err instanceof HeraldError) {
    const details = err.details;
    if (typeof details === "object" && details !== null && typeof (details as { stage?: unknown }).stage === "string") {
      return err;
    }
    const merged = typeof details === "object" && details !== null ? { ...details, stage } : { stage };
    return new HeraldError(err.code, err.message, { cause: err.cause ?? err, details: merged });
  }
  return new HeraldError("internal", `stage ${stage} failed: ${String((err as Error)?.message ?? err)}`, {
    cause: err,
    details: { stage },
  });
}

/** The outcome of one offered event; `routed` lists further events a fan-out stage produced. */
export interface PathOutcome extends PublishOutcome {
  routed?: PublishOutcome[];
}

/**
 * Runs `stages` from `index`, then `finish` on the result. A stage that returns several
 * requests makes each continue on its own through the remaining stages and `finish`; `combine`
 * folds their results into one. Synchronous all the way when every stage and `finish` are, and
 * `finish`'s own promise is returned as it is (no promise is added per event).
 */
export function runStages<T>(
  stages: readonly Stage[],
  index: number,
  request: PublishRequest,
  context: PublishContext,
  finish: (request: PublishRequest, context: PublishContext) => T | Promise<T>,
  combine: (results: T[]) => T,
): T | Promise<T> {
  let req = request;
  for (let i = index; i < stages.length; i++) {
    const stage = stages[i] as Stage;
    let r: StageResult;
    try {
      r = stage.run(req, context);
    } catch (err) {
      throw tagStage(err, stage.name);
    }
    if (r instanceof Promise) {
      return r.then(
        (v) => continueWith(stages, i + 1, v, context, finish, combine),
        (err) => {
          throw tagStage(err, stage.name);
        },
      );
    }
    if (Array.isArray(r)) return continueWith(stages, i + 1, r, context, finish, combine);
    req = r;
  }
  return finish(req, context);
}

function continueWith<T>(
  stages: readonly Stage[],
  next: number,
  v: PublishRequest | PublishRequest[],
  context: PublishContext,
  finish: (request: PublishRequest, context: PublishContext) => T | Promise<T>,
  combine: (results: T[]) => T,
): T | Promise<T> {
  if (!Array.isArray(v)) return runStages(stages, next, v, context, finish, combine);
  return Promise.all(v.map((one) => runStages(stages, next, one, context, finish, combine))).then(combine);
}

/** Inside a namespace pipeline: several outputs stay a flat list of requests. */
function flatten(all: Array<PublishRequest | PublishRequest[]>): PublishRequest[] {
  return all.flat();
}

/** At the end of the path: the first output answers, the others are listed in `routed`. */
function firstAndRouted(all: PathOutcome[]): PathOutcome {
  if (all.length === 0) throw new HeraldError("bad_request", "the pipeline produced no event to publish");
  const [first, ...rest] = all as [PathOutcome, ...PathOutcome[]];
  return rest.length > 0 ? { ...first, routed: rest } : first;
}

/** The whole path: declared stages, then the broker commit. */
export class PublishPath {
  constructor(
    private readonly stages: readonly Stage[],
    /** Commits one request (the broker); called with the caller's context, no closure per event. */
    private readonly commit: (request: PublishRequest, context: PublishContext) => Promise<PublishOutcome>,
  ) {}

  /** Runs every stage, then commits. A fan-out answers with its first event, the rest in `routed`. */
  run(request: PublishRequest, context: PublishContext): Promise<PathOutcome> {
    try {
      const r = runStages<PathOutcome>(this.stages, 0, request, context, this.commit, firstAndRouted);
      return r instanceof Promise ? r : Promise.resolve(r);
    } catch (err) {
      return Promise.reject(err);
    }
  }
}
