/**
 * State topics: in namespaces with `state: true` a topic holds one keyed JSON document.
 * A publish's `data` is a JSON Merge Patch; `prepare` stamps it with this node's hybrid
 * logical clock, so the event carries `{patch, hlc}`. Every committed event is applied here in
 * seq order (`applyDelta`, per-key last-write-wins), so every node and every client that
 * applies the same events holds the same document. The document is checkpointed to the store
 * every `snapshotEvery` events; on start it is rebuilt from the checkpoint plus the events
 * after it, so a subscribe never replays the whole history.
 */
import { randomUUID } from "node:crypto";
import { HeraldError, type HeraldEvent } from "@herald/protocol";
import type { Broker, PublishRequest } from "../engine/broker.js";
import type { Namespaces } from "../hub/namespaces.js";
import type { Logger } from "../log.js";
import type { LazyStore } from "../store/lazy-store.js";
import { applyDelta, isStateDelta, type StateDocument } from "./document.js";
import { HybridClock } from "./hlc.js";

/** A document at a position: what a subscriber gets in its ack. */
export interface StateSnapshotView {
  epoch: string | undefined;
  seq: number;
  state: Record<string, unknown>;
  clocks: Record<string, string>;
}

interface Held extends StateDocument {
  epoch: string | undefined;
  seq: number;
  sinceCheckpoint: number;
}

export interface StateTopicsOptions {
  namespaces: Namespaces;
  store: LazyStore;
  /** Checkpoint every this many events. @default 100 */
  snapshotEvery?: number;
  log?: Logger;
}

export class StateTopics {
  readonly clock = new HybridClock(randomUUID().slice(0, 8));
  private readonly docs = new Map<string, Held>();
  private saving: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: StateTopicsOptions) {}

  /** Whether `topic` is a state topic. */
  handles(topic: string): boolean {
    return this.options.namespaces.of(topic).state;
  }

  /** Turns a publish on a state topic into a stamped delta; other publishes pass unchanged. */
  prepare(request: PublishRequest): PublishRequest {
    if (!this.handles(request.topic)) return request;
    const patch = request.data;
    if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
      throw new HeraldError(
        "bad_request",
        `"${request.topic}" is a state topic: data must be a JSON Merge Patch object`,
      );
    }
    return { ...request, event: request.event ?? "state", data: { patch, hlc: this.clock.tick() } };
  }

  /** Applies a committed event (called by the broker listener, in seq order). */
  apply(event: HeraldEvent): void {
    if (!this.handles(event.topic) || !isStateDelta(event.data)) return;
    const doc = this.held(event.topic);
    if (doc.epoch !== event.epoch) {
      // The topic's history was lost: the document starts again from this event.
      doc.state = {};
      doc.clocks = {};
      doc.epoch = event.epoch;
      doc.seq = 0;
    }
    if (event.seq <= doc.seq) return; // already in the checkpoint
    this.clock.observe(event.data.hlc);
    applyDelta(doc, event.data);
    doc.seq = event.seq;
    if (++doc.sinceCheckpoint >= (this.options.snapshotEvery ?? 100)) this.checkpoint(event.topic, doc);
  }

  private held(topic: string): Held {
    let doc = this.docs.get(topic);
    if (doc === undefined) {
      doc = { epoch: undefined, seq: 0, state: {}, clocks: {}, sinceCheckpoint: 0 };
      this.docs.set(topic, doc);
    }
    return doc;
  }

  /**
   * The document now (a copy), or undefined when `topic` is no state topic. The seq is that of
   * the last event applied, so a subscriber continues with the deltas after it.
   */
  snapshot(topic: string): StateSnapshotView | undefined {
    if (!this.handles(topic)) return undefined;
    const doc = this.docs.get(topic);
    if (doc === undefined) return { epoch: undefined, seq: 0, state: {}, clocks: {} };
    return { epoch: doc.epoch, seq: doc.seq, state: structuredClone(doc.state), clocks: { ...doc.clocks } };
  }

  private checkpoint(topic: string, doc: Held): void {
    doc.sinceCheckpoint = 0;
    if (doc.epoch === undefined) return;
    const snapshot = { topic, epoch: doc.epoch, seq: doc.seq, state: doc.state, clocks: doc.clocks };
    // Serialised now (the store stringifies synchronously), written in order.
    this.saving = this.saving
      .then(async () => (await this.options.store.get()).saveSnapshot(structuredClone(snapshot)))
      .catch((err) => this.options.log?.warn({ err, topic }, "state checkpoint failed"));
  }

  /** Rebuilds every stored state topic: its checkpoint, then the events after it from the broker. */
  async load(broker: Broker): Promise<void> {
    const store = await this.options.store.get();
    for (const meta of await store.topics()) {
      if (!this.handles(meta.topic)) continue;
      const doc = this.held(meta.topic);
      const snap = await store.loadSnapshot(meta.topic);
      if (snap !== undefined && snap.epoch === meta.epoch) {
        Object.assign(doc, { epoch: snap.epoch, seq: snap.seq, state: snap.state, clocks: snap.clocks });
      }
      let since = doc.seq;
      for (;;) {
        const page = await broker.history(meta.topic, { since, limit: 1000 });
        if (page.truncated && since === doc.seq) {
          this.options.log?.warn(
            { topic: meta.topic },
            "state history after the checkpoint is gone; state may be partial",
          );
        }
        for (const e of page.events) this.apply(e);
        if (page.events.length === 0) break;
        since = (page.events[page.events.length - 1] as HeraldEvent).seq;
      }
      doc.epoch ??= meta.epoch;
    }
  }

  /** Checkpoints every document with events since its last checkpoint and waits for the writes. */
  async close(): Promise<void> {
    for (const [topic, doc] of this.docs) if (doc.sinceCheckpoint > 0) this.checkpoint(topic, doc);
    await this.saving;
  }
}
