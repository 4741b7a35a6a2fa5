/**
 * The seam for analysis processors. A session's `content_type` names a processor (`text`;
 * `text_stream` resolves to `text` too); each chunk goes through `process`, which returns the
 * chunk's own result and the session's new running state; `finish` turns the state into the
 * final result. Register your own (`video`, `audio`) with `gateway.compute.streams.processors.register`.
 * Processors are pure functions of (state, chunk): no I/O, so a session resumes after a restart
 * from its stored state.
 */
import { HeraldError } from "@herald/protocol";

export interface ChunkOutcome<S> {
  /** What this chunk yielded (published as the partial result). */
  result: unknown;
  /** The session's running state after this chunk (stored; JSON). */
  state: S;
  /** Progress 0..1 when the processor knows it; absent otherwise. */
  progress?: number;
}

export interface StreamProcessor<S = unknown> {
  /** The content type it serves. */
  readonly name: string;
  /** The state before the first chunk. */
  init(initialData: unknown): S;
  /** Processes one chunk; throws `bad_request` for a chunk it cannot read. */
  process(state: S, chunk: Record<string, unknown>): ChunkOutcome<S> | Promise<ChunkOutcome<S>>;
  /** The final result from the state. */
  finish(state: S): unknown;
}

export class ProcessorRegistry {
  private readonly byName = new Map<string, StreamProcessor>();

  /** Adds a processor; a later one with the same name replaces the earlier. */
  register<S>(processor: StreamProcessor<S>): void {
    this.byName.set(processor.name, processor as StreamProcessor);
  }

  /** The processor for a content type (`x` or `x_stream`); `bad_request` when none serves it. */
  resolve(contentType: string): StreamProcessor {
    const p = this.byName.get(contentType) ?? this.byName.get(contentType.replace(/_stream$/, ""));
    if (p === undefined) {
      throw new HeraldError(
        "bad_request",
        `no processor for content_type "${contentType}" (available: ${[...this.byName.keys()].join(", ")})`,
      );
    }
    return p;
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }
}
