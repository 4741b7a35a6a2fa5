/**
 * The `enrich` stage and the contract of its enrichers. An enricher reads the event and returns
 * fields to merge into its `data` (where filters, aggregations and alert rules find them:
 * `category`, `tags`, `sentiment.label`, …). Built-in enrichers: `categorize`, `sentiment`,
 * `lookup`, `http` (one file each).
 *
 * When an enricher fails (the HTTP service is down, slow, or its breaker is open; the event's
 * `data` is not an object), the stage follows `onError`: `reject` refuses the event with
 * `enrichment_failed`; `pass` publishes it unenriched; `dead-letter` keeps it in the
 * dead-letter store (reason, stage, original payload) for a replay and refuses it with
 * `enrichment_failed` carrying `details.deadLetterId`.
 */
import { HeraldError } from "@herald/protocol";
import type { PublishRequest } from "../../engine/broker.js";
import type { DeadLetterStore } from "../dead-letter.js";
import type { PublishContext, Stage, StageResult } from "../stage.js";

/** Fields merged into the event's `data`. */
export type Enrichment = Record<string, unknown>;

export interface Enricher {
  /** `categorize`, `sentiment`, `lookup`, `http`: named in errors and dead letters. */
  readonly kind: string;
  enrich(request: PublishRequest): Enrichment | undefined | Promise<Enrichment | undefined>;
}

export type OnError = "reject" | "pass" | "dead-letter";

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export class EnrichStage implements Stage {
  readonly name = "enrich";
  /** Events that went through unenriched (`onError: pass`) or were refused / dead-lettered. */
  failures = 0;

  /** @param onError @default "reject" */
  constructor(
    private readonly enricher: Enricher,
    private readonly onError: OnError = "reject",
    private readonly deadLetters?: DeadLetterStore,
  ) {}

  run(request: PublishRequest, context: PublishContext): StageResult {
    if (!isPlainObject(request.data)) {
      return this.failed(request, context, new Error("the event's data is not a JSON object"));
    }
    let out: Enrichment | undefined | Promise<Enrichment | undefined>;
    try {
      out = this.enricher.enrich(request);
    } catch (err) {
      return this.failed(request, context, err);
    }
    if (out instanceof Promise) {
      return out.then(
        (fields) => merge(request, fields),
        (err) => this.failed(request, context, err),
      );
    }
    return merge(request, out);
  }

  private failed(request: PublishRequest, context: PublishContext, err: unknown): StageResult {
    this.failures++;
    if (this.onError === "pass") return request;
    const reason = `${this.enricher.kind} enricher: ${(err as Error)?.message ?? String(err)}`;
    if (this.onError === "dead-letter" && this.deadLetters !== undefined) {
      return this.deadLetters
        .add({ source: context.origin, stage: this.name, code: "enrichment_failed", reason, request })
        .then((entry) => {
          throw new HeraldError("enrichment_failed", reason, {
            cause: err,
            details: { stage: this.name, deadLetterId: entry.id },
          });
        });
    }
    throw new HeraldError("enrichment_failed", reason, { cause: err, details: { stage: this.name } });
  }
}

function merge(request: PublishRequest, fields: Enrichment | undefined): PublishRequest {
  if (fields === undefined) return request;
  return { ...request, data: { ...(request.data as Record<string, unknown>), ...fields } };
}

/** Reads a text field of the event (filter path syntax: `text` reads `data.text`). */
export function textOf(request: PublishRequest, segments: readonly string[]): string | undefined {
  let v: unknown = request.data;
  const envelope = segments[0] === "data" ? segments.slice(1) : segments;
  for (const s of envelope) {
    if (!isPlainObject(v)) return undefined;
    v = v[s];
  }
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.filter((x) => typeof x === "string").join(" ");
  return undefined;
}
