/**
 * One running aggregation: reads its topic through an in-process hub subscription, keeps the
 * window state (`windows.ts`), emits each closed window to its result topic, and checkpoints
 * the state to the compute store so a restart resumes the open windows.
 *
 * Several nodes on the Redis engine each receive every event, so each holds the same windows;
 * the node holding the emitter lease (`engine/lease.ts`) publishes them, with the id
 * `agg.{name}.{end}`, so the broker's idempotency keeps one result per window even while the
 * lease changes hands.
 */
import { type FilterSubject, type HeraldEvent, readPath } from "@herald/protocol";
import type { HubSubscription } from "../hub/hub.js";
import type { OutboundEvent } from "../hub/outbound.js";
import type { CompiledAggregation } from "./aggregation.js";
import type { ComputeContext, TimerHandle } from "./context.js";
import { NO_GROUP, type WindowResult, Windows, type WindowsJson } from "./windows.js";

export interface AggregatorOptions {
  graceMs: number;
  checkpointMs: number;
  maxGroups: number;
  maxDistinct: number;
}

/** The result document of a window, as published (the state topic's document). */
export interface AggregateDocument {
  name: string;
  window: { start: number; end: number };
  values: Record<string, number | null>;
  groups?: Record<string, Record<string, number | null> | null>;
}

/** How long results closed while another node emits are kept for a hand-over. */
const UNSENT_MS = 30_000;
const MAX_UNSENT = 100;

/** The event type of window results. */
export const AGGREGATE_EVENT = "aggregate";

export class Aggregator {
  readonly windows: Windows;
  private readonly sub: HubSubscription;
  private tickTimer: TimerHandle | undefined;
  private checkpointTimer: TimerHandle | undefined;
  private dirty = false;
  private emitting: Promise<void> = Promise.resolve();
  private lastGroups = new Set<string>();
  private stopped = false;
  /** Results closed while another node was the emitter (see `emit`). */
  private unsent: AggregateDocument[] = [];
  /** Events counted since start. */
  counted = 0;

  constructor(
    readonly def: CompiledAggregation,
    private readonly ctx: ComputeContext,
    private readonly options: AggregatorOptions,
  ) {
    this.windows = new Windows({
      windowMs: def.windowMs,
      slideMs: def.slideMs,
      ops: def.ops,
      grouped: def.groupBy !== undefined,
      maxGroups: options.maxGroups,
      maxDistinct: options.maxDistinct,
    });
    this.sub = {
      name: def.spec.topic,
      pattern: def.pattern,
      internal: true,
      offer: (out: OutboundEvent) => this.onEvent(out.event),
    };
  }

  /** Restores the checkpoint (if any), subscribes and starts the window clock. */
  async start(): Promise<void> {
    const saved = await this.ctx.store.get<WindowsJson>("agg_checkpoint", this.def.name);
    if (saved !== undefined) this.windows.restore(saved);
    this.ctx.subscribe(this.sub);
    this.scheduleTick();
    this.scheduleCheckpoint();
  }

  /** Counts one event (called by the hub, in topic order). */
  onEvent(event: HeraldEvent): void {
    if (this.stopped) return;
    const subject = event as unknown as FilterSubject; // the envelope is what filters read
    if (this.def.predicate !== undefined && !this.def.predicate(subject)) return;
    let group = "";
    if (this.def.groupBy !== undefined) {
      const g = readPath(subject, this.def.groupBy);
      group = g === undefined || g === null ? NO_GROUP : typeof g === "string" ? g : JSON.stringify(g);
    }
    const value = this.def.field === undefined ? undefined : readPath(subject, this.def.field);
    if (this.windows.add(event.timestamp, group, value)) {
      this.counted++;
      this.dirty = true;
    }
  }

  /** The in-progress window. */
  current(): AggregateDocument {
    return this.document(this.windows.current(this.ctx.clock.now()));
  }

  private document(r: WindowResult): AggregateDocument {
    const doc: AggregateDocument = { name: this.def.name, window: { start: r.start, end: r.end }, values: r.values };
    if (r.groups !== undefined) doc.groups = r.groups;
    return doc;
  }

  private scheduleTick(): void {
    if (this.stopped) return;
    const { slideMs } = this.def;
    const now = this.ctx.clock.now();
    const watermark = now - this.options.graceMs;
    const next = (Math.floor(watermark / slideMs) + 1) * slideMs + this.options.graceMs;
    this.tickTimer = this.ctx.clock.after(Math.max(1, next - now), () => {
      this.tick();
      this.scheduleTick();
    });
  }

  /** Closes the windows the watermark passed and publishes them, in order. */
  tick(): void {
    const results = this.windows.close(this.ctx.clock.now() - this.options.graceMs);
    if (results.length === 0) return;
    this.dirty = true;
    for (const r of results) {
      const doc = this.document(r);
      this.emitting = this.emitting.then(() => this.emit(doc));
    }
  }

  private async emit(doc: AggregateDocument): Promise<void> {
    if (!this.ctx.emits()) {
      // Another node holds the emitter lease and publishes this window. Recent results are kept
      // so that, should the lease come here, windows closed during the hand-over still go out
      // (their ids make any the old emitter already published duplicates).
      this.unsent.push(doc);
      const horizon = this.ctx.clock.now() - UNSENT_MS;
      while (this.unsent.length > MAX_UNSENT || (this.unsent[0] && this.unsent[0].window.end < horizon)) {
        this.unsent.shift();
      }
      return;
    }
    const backlog = this.unsent.splice(0);
    for (const old of backlog) await this.publish(old);
    await this.publish(doc);
  }

  private async publish(doc: AggregateDocument): Promise<void> {
    const output = this.def.output;
    let data: AggregateDocument = doc;
    if (this.ctx.isState(output) && doc.groups !== undefined) {
      // A merge patch: groups of the previous window that are gone must be removed explicitly.
      const groups: Record<string, Record<string, number | null> | null> = { ...doc.groups };
      for (const g of this.lastGroups) if (!(g in groups)) groups[g] = null;
      data = { ...doc, groups };
    }
    this.lastGroups = new Set(Object.keys(doc.groups ?? {}));
    try {
      await this.ctx.publish({
        topic: output,
        event: AGGREGATE_EVENT,
        data,
        id: `agg.${this.def.name}.${doc.window.end}`,
      });
    } catch (err) {
      this.ctx.log.warn({ err, aggregation: this.def.name, end: doc.window.end }, "aggregate result not published");
    }
  }

  private scheduleCheckpoint(): void {
    if (this.stopped) return;
    this.checkpointTimer = this.ctx.clock.after(this.options.checkpointMs, () => {
      void this.checkpoint().finally(() => this.scheduleCheckpoint());
    });
  }

  /** Writes the window state to the store when it changed. */
  async checkpoint(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await this.ctx.store.put("agg_checkpoint", this.def.name, this.windows.toJSON());
    } catch (err) {
      this.dirty = true;
      this.ctx.log.warn({ err, aggregation: this.def.name }, "aggregation checkpoint failed");
    }
  }

  /** Stops reading and timing; checkpoints unless `discard` (the aggregation was deleted). */
  async stop(discard = false): Promise<void> {
    this.stopped = true;
    this.ctx.unsubscribe(this.sub);
    this.tickTimer?.cancel();
    this.checkpointTimer?.cancel();
    await this.emitting;
    if (!discard) await this.checkpoint();
  }
}
