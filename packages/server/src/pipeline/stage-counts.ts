/**
 * Per-stage counters of the namespaces' configured pipelines: how many events each stage passed
 * and refused (by error code). Read by `GET /api/pipeline` (the dashboard's Pipeline view) and
 * exported as `herald_pipeline_stage_total{namespace, stage, outcome, code}`.
 *
 * Each configured stage is wrapped once at start; counting a synchronous stage is two integer
 * increments and a cached Prometheus child, nothing allocated per event.
 */
import { HeraldError } from "@herald/protocol";
import { Counter } from "prom-client";
import type { PublishRequest } from "../engine/broker.js";
import type { PublishContext, Stage, StageResult } from "./stage.js";

/** One configured stage's counts. */
export interface StageCount {
  namespace: string;
  /** Position in the namespace's pipeline (from 0). */
  index: number;
  stage: string;
  passed: number;
  refused: number;
  /** Refusals by error code. */
  codes: Record<string, number>;
}

type Labels = "namespace" | "stage" | "outcome" | "code";

export class StageCounts {
  /** Registered into the gateway's registry by the gateway (built before it). */
  readonly counter = new Counter<Labels>({
    name: "herald_pipeline_stage_total",
    help: "Events through each configured pipeline stage, by namespace, stage, outcome (passed, refused) and refusal code",
    labelNames: ["namespace", "stage", "outcome", "code"] as const,
    registers: [],
  });
  private readonly entries: StageCount[] = [];

  /** `stage`, counted as the `index`-th stage of `namespace`. */
  wrap(namespace: string, index: number, stage: Stage): Stage {
    const entry: StageCount = { namespace, index, stage: stage.name, passed: 0, refused: 0, codes: {} };
    this.entries.push(entry);
    return new CountedStage(stage, entry, this.counter);
  }

  /** A copy of every stage's counts, in namespace and pipeline order. */
  list(): StageCount[] {
    return this.entries.map((e) => ({ ...e, codes: { ...e.codes } }));
  }
}

class CountedStage implements Stage {
  readonly name: string;
  private readonly passedChild: { inc(): void };

  constructor(
    private readonly inner: Stage,
    private readonly entry: StageCount,
    private readonly counter: Counter<Labels>,
  ) {
    this.name = inner.name;
    this.passedChild = counter.labels(entry.namespace, entry.stage, "passed", "");
  }

  run(request: PublishRequest, context: PublishContext): StageResult {
    let result: StageResult;
    try {
      result = this.inner.run(request, context);
    } catch (err) {
      this.refuse(err);
      throw err;
    }
    if (result instanceof Promise) {
      return result.then(
        (v) => {
          this.pass();
          return v;
        },
        (err: unknown) => {
          this.refuse(err);
          throw err;
        },
      );
    }
    this.pass();
    return result;
  }

  private pass(): void {
    this.entry.passed++;
    this.passedChild.inc();
  }

  private refuse(err: unknown): void {
    const code = err instanceof HeraldError ? err.code : "internal";
    this.entry.refused++;
    this.entry.codes[code] = (this.entry.codes[code] ?? 0) + 1;
    this.counter.inc({ namespace: this.entry.namespace, stage: this.entry.stage, outcome: "refused", code });
  }
}
