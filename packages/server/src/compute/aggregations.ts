/**
 * The aggregations of a gateway: those declared in config (`compute.aggregations`, read-only)
 * and those created over the API (stored). Runs one `Aggregator` each, records every window
 * result that reaches a result topic into the series history, and trims that history.
 */
import { HeraldError, type HeraldEvent } from "@herald/protocol";
import type { HubSubscription } from "../hub/hub.js";
import { isStateDelta } from "../state/document.js";
import {
  type AggregationLimits,
  type AggregationSpec,
  type CompiledAggregation,
  compileAggregation,
} from "./aggregation.js";
import { type AggregateDocument, Aggregator, type AggregatorOptions } from "./aggregator.js";
import type { ComputeConfig } from "./compute-config.js";
import type { SeriesPoint } from "./compute-store.js";
import type { ComputeContext, TimerHandle } from "./context.js";

/** How an aggregation is described over the API. */
export interface AggregationView {
  name: string;
  /** `config` (declared, read-only) or `api`. */
  origin: "config" | "api";
  spec: AggregationSpec;
  output: string;
  windowMs: number;
  slideMs: number;
  /** The in-progress window. */
  current: AggregateDocument;
  /** Events that arrived after their windows were emitted. */
  late: number;
}

interface Running {
  aggregator: Aggregator;
  origin: "config" | "api";
  recorder: HubSubscription;
}

export class Aggregations {
  private readonly running = new Map<string, Running>();
  private readonly limits: AggregationLimits;
  private trimTimer: TimerHandle | undefined;

  constructor(
    private readonly config: ComputeConfig,
    private readonly ctx: ComputeContext,
  ) {
    this.limits = { maxWindowMs: config.maxWindowMs, maxPanes: config.maxPanes, topicPrefix: config.topicPrefix };
  }

  /** Validates a definition without running it. */
  compile(spec: unknown): CompiledAggregation {
    return compileAggregation(spec, this.limits);
  }

  /** Starts the declared aggregations, then the stored ones. A stored one that no longer validates is logged and skipped. */
  async start(): Promise<void> {
    for (const spec of this.config.aggregations) await this.run(this.compile(spec), "config");
    for (const { id, doc } of await this.ctx.store.list<AggregationSpec>("aggregation")) {
      if (this.running.has(id)) {
        this.ctx.log.warn(
          { aggregation: id },
          "a stored aggregation has the name of a declared one; the declared one runs",
        );
        continue;
      }
      try {
        await this.run(this.compile(doc), "api");
      } catch (err) {
        this.ctx.log.error({ err, aggregation: id }, "stored aggregation is invalid; not started");
      }
    }
    this.scheduleTrim();
  }

  private async run(def: CompiledAggregation, origin: "config" | "api"): Promise<void> {
    if (this.running.has(def.name)) throw new HeraldError("already_exists", `aggregation "${def.name}" exists`);
    const options: AggregatorOptions = {
      graceMs: this.config.graceMs,
      checkpointMs: this.config.checkpointMs,
      maxGroups: this.config.maxGroups,
      maxDistinct: this.config.maxDistinct,
    };
    const aggregator = new Aggregator(def, this.ctx, options);
    // Series are recorded from the result topic, so every node records what was published once.
    const recorder: HubSubscription = {
      name: def.output,
      pattern: false,
      internal: true,
      offer: (out) => this.record(def.name, out.event),
    };
    this.running.set(def.name, { aggregator, origin, recorder });
    this.ctx.subscribe(recorder);
    await aggregator.start();
  }

  private record(name: string, event: HeraldEvent): void {
    const doc = (isStateDelta(event.data) ? event.data.patch : event.data) as AggregateDocument | undefined;
    if (typeof doc !== "object" || doc === null || typeof doc.window?.end !== "number") return;
    let value: AggregateDocument = doc;
    if (doc.groups !== undefined) {
      // Nulls only remove groups from the state document; a series point lists the groups it had.
      const groups = Object.fromEntries(Object.entries(doc.groups).filter(([, v]) => v !== null));
      value = { ...doc, groups };
    }
    const point: SeriesPoint = { at: doc.window.end, value };
    this.ctx.store
      .appendSeries(name, [point])
      .catch((err) => this.ctx.log.warn({ err, aggregation: name }, "series point not recorded"));
  }

  /** Creates and starts an aggregation (stored, so it runs again after a restart). */
  async create(spec: unknown): Promise<AggregationView> {
    const def = this.compile(spec);
    if (this.running.has(def.name)) throw new HeraldError("already_exists", `aggregation "${def.name}" exists`);
    if (this.running.size >= this.config.maxAggregations) {
      throw new HeraldError(
        "quota_exceeded",
        `at most ${this.config.maxAggregations} aggregations (compute.maxAggregations)`,
      );
    }
    await this.ctx.store.put("aggregation", def.name, def.spec);
    await this.run(def, "api");
    return this.view(def.name);
  }

  /** Stops and deletes an API-created aggregation with its checkpoint and series. */
  async remove(name: string): Promise<void> {
    const r = this.get(name);
    if (r.origin === "config")
      throw new HeraldError("forbidden", `aggregation "${name}" is declared in the configuration`);
    this.running.delete(name);
    this.ctx.unsubscribe(r.recorder);
    await r.aggregator.stop(true);
    await this.ctx.store.remove("aggregation", name);
    await this.ctx.store.remove("agg_checkpoint", name);
    await this.ctx.store.dropSeries(name);
  }

  private get(name: string): Running {
    const r = this.running.get(name);
    if (r === undefined) throw new HeraldError("not_found", `no aggregation "${name}"`);
    return r;
  }

  /** Whether an aggregation runs under this name. */
  has(name: string): boolean {
    return this.running.has(name);
  }

  /** The result topic of an aggregation. */
  outputOf(name: string): string {
    return this.get(name).aggregator.def.output;
  }

  view(name: string): AggregationView {
    const { aggregator, origin } = this.get(name);
    const def = aggregator.def;
    return {
      name,
      origin,
      spec: def.spec,
      output: def.output,
      windowMs: def.windowMs,
      slideMs: def.slideMs,
      current: aggregator.current(),
      late: aggregator.windows.late,
    };
  }

  list(): AggregationView[] {
    return [...this.running.keys()].sort().map((n) => this.view(n));
  }

  /** Window results with `from <= end <= to`, oldest first. */
  async series(name: string, from: number, to: number, limit: number): Promise<SeriesPoint[]> {
    this.get(name);
    return this.ctx.store.series(name, from, to, limit);
  }

  private scheduleTrim(): void {
    const every = Math.min(3_600_000, this.config.seriesRetentionHours * 3_600_000);
    this.trimTimer = this.ctx.clock.after(every, () => {
      const before = this.ctx.clock.now() - this.config.seriesRetentionHours * 3_600_000;
      void this.ctx.store
        .trimSeries(before)
        .catch((err) => this.ctx.log.warn({ err }, "series retention failed"))
        .finally(() => this.scheduleTrim());
    });
  }

  /** Stops every aggregation, checkpointing its windows. */
  async close(): Promise<void> {
    this.trimTimer?.cancel();
    for (const r of this.running.values()) {
      this.ctx.unsubscribe(r.recorder);
      await r.aggregator.stop();
    }
    this.running.clear();
  }
}
