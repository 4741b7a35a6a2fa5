/**
 * A stage of the publish path in a `herald.stage {name}` span when tracing is on (an SDK is
 * registered); otherwise it runs the stage directly.
 */
import type { PublishRequest } from "../engine/broker.js";
import type { PublishContext, Stage, StageResult } from "../pipeline/stage.js";
import { traceStep, tracingOn } from "./tracing.js";

export class TracedStage implements Stage {
  readonly name: string;
  private readonly spanName: string;

  constructor(private readonly inner: Stage) {
    this.name = inner.name;
    this.spanName = `herald.stage ${inner.name}`;
  }

  run(request: PublishRequest, context: PublishContext): StageResult {
    if (!tracingOn()) return this.inner.run(request, context);
    return traceStep(this.spanName, () => this.inner.run(request, context));
  }
}
