/**
 * The contract of one stage of the publish path: `(request, context) → request | reject`.
 *
 * A stage takes the event as it stands (a `PublishRequest`, before the broker sequences it) and
 * returns it — the same object when it changed nothing, a new one when it did — or throws a
 * `HeraldError` to refuse it. The runner (`stages.ts`) tags a refusal with the stage's name in
 * `details.stage`, so an `Ingest` can dead-letter it under the right stage. A stage may return
 * a promise only when it must wait (a Redis lookup, an HTTP enricher); synchronous stages
 * return the request itself so the hot path takes no extra microtask.
 *
 * A stage that fans one event out (routing to several topics) returns an array: every element
 * continues through the remaining stages and is published on its own.
 */
import type { Principal } from "../auth/principal.js";
import type { PublishRequest } from "../engine/broker.js";

/** Who is publishing: passed unchanged to every stage (the caller's object, never copied). */
export interface PublishContext {
  /** Where the publish came from: `api`, `client`, `server` (in-process), or a connector name. */
  origin: string;
  /** The client that published, for the ACL; absent for trusted origins. */
  principal?: Principal | undefined;
}

/** What a stage may return: the request, several requests (fan-out), or a promise of either. */
export type StageResult = PublishRequest | PublishRequest[] | Promise<PublishRequest | PublishRequest[]>;

/** One step of the publish path. */
export interface Stage {
  /** Stable name, used in `details.stage` of a refusal and in metrics (`validate`, `acl`, …). */
  readonly name: string;
  run(request: PublishRequest, context: PublishContext): StageResult;
}

/**
 * The parts of the gateway core the built-in stages read, as the little they need (so the
 * stage contract imports neither the ACL, nor the namespaces, nor state topics: no cycle).
 */
export interface PublishParts {
  readonly acl: { canPublish(who: Principal, topic: string): boolean };
  /** Set by the storage once it is built; read per publish. */
  readonly state: { prepare(request: PublishRequest): PublishRequest } | undefined;
}
