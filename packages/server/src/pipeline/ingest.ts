/**
 * The entry for events that come from a source (a connector, a webhook) rather than from a
 * caller waiting for an answer: runs the one publish path and turns a refusal into a dead
 * letter, so the source can move its checkpoint past the event.
 *
 * Contract: `offer` resolves once the event is published, found a duplicate, or dead-lettered —
 * in each case it is kept and the source may acknowledge it. It rejects (with `unavailable`,
 * `shutting_down` or `timeout`) only when nothing was kept: the source must not acknowledge it
 * and offers it again later (at least once into the publish path; idempotency by `id` and the
 * dedup stage make that exactly once for subscribers).
 */
import { HeraldError, type HeraldEvent } from "@herald/protocol";
import type { PublishOutcome, PublishRequest } from "../engine/broker.js";
import type { DeadLetterStore } from "./dead-letter.js";

/** What a source hands in: a publish request with the source's name. */
export interface IngestRequest extends PublishRequest {
  source: string;
  /** Who signed the event (a key registry id), for the verify stage. */
  publisher?: string;
  /** Which of the publisher's keys signed it. */
  kid?: string;
}

export type IngestResult =
  | { status: "published"; event: HeraldEvent }
  | { status: "duplicate"; event: HeraldEvent }
  | { status: "dead-lettered"; code: string; reason: string; deadLetterId: string };

/** Why a source refuses an event itself, before the publish path (e.g. its content is missing). */
export interface Refusal {
  stage: string;
  code: string;
  reason: string;
}

/** Where connectors send their events. */
export interface IngestSink {
  offer(request: IngestRequest): Promise<IngestResult>;
  /** Keeps an event the source itself could not complete as a dead letter (never published). */
  reject(request: IngestRequest, refusal: Refusal): Promise<IngestResult>;
}

/** The publish path as the ingest sees it (GatewayCore.publish). */
export type PublishPath = (request: PublishRequest, context: { origin: string }) => Promise<PublishOutcome>;

/** Refusals that mean "nothing was kept, try again later" rather than "this event is bad". */
const RETRYABLE = new Set(["unavailable", "shutting_down", "timeout"]);

/** The stage a refusal came from, when the error names one (`HeraldError.details.stage`). */
function stageOf(err: HeraldError): string {
  const details = err.details as { stage?: unknown } | undefined;
  return typeof details?.stage === "string" ? details.stage : "publish";
}

export class Ingest implements IngestSink {
  constructor(
    private readonly publish: PublishPath,
    private readonly deadLetters: DeadLetterStore,
  ) {}

  async offer(request: IngestRequest): Promise<IngestResult> {
    try {
      const { event, duplicate } = await this.publish(request, { origin: request.source });
      return duplicate ? { status: "duplicate", event } : { status: "published", event };
    } catch (err) {
      const herald = err instanceof HeraldError ? err : new HeraldError("internal", String(err), { cause: err });
      if (RETRYABLE.has(herald.code)) throw herald;
      // A stage with `onError: dead-letter` already kept it: do not keep it twice.
      const kept = (herald.details as { deadLetterId?: unknown } | undefined)?.deadLetterId;
      if (typeof kept === "string") {
        return { status: "dead-lettered", code: herald.code, reason: herald.message, deadLetterId: kept };
      }
      return this.reject(request, { stage: stageOf(herald), code: herald.code, reason: herald.message });
    }
  }

  async reject(request: IngestRequest, refusal: Refusal): Promise<IngestResult> {
    const entry = await this.deadLetters.add({ source: request.source, ...refusal, request });
    return { status: "dead-lettered", code: refusal.code, reason: refusal.reason, deadLetterId: entry.id };
  }
}
