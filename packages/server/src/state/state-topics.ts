/**
 * State topics: in namespaces with `state: true` a topic holds one keyed JSON document.
 * A publish's `data` is a JSON Merge Patch; `prepare` stamps it with this node's hybrid
 * logical clock, so the event carries `{patch, hlc}`. Every committed event is applied here in
 * seq order (`applyDelta`, per-key last-write-wins), so every node and every client that
 * applies the same events holds the same document. The document is checkpointed (the SQL store,
 * or Redis on the Redis engine: `SnapshotStore`) every `snapshotEvery` events.
 *
 * A node holds only complete documents: one it saw from the topic's first event, or one it
 * rebuilt from the newest checkpoint plus the events after it (`ensure`, before a subscribe or a
 * read is answered; at start for the topics the store knows). Live events of a topic it does not
 * hold are not applied to a partial document; those arriving while it is rebuilt are held and
 * applied after, so a node started later serves the same snapshot as the others.
 */
import { randomUUID } from "node:crypto";
import { HeraldError, type HeraldEvent } from "@herald/protocol";
import type { Broker, PublishRequest } from "../engine/broker.js";
import type { Namespaces } from "../hub/namespaces.js";
import type { Logger } from "../log.js";
import type { HistoryStore } from "../store/history-store.js";
import type { StoreAccess } from "../store/lazy-store.js";
import type { StateSnapshotStore } from "../store/state-snapshot-store.js";
import { applyDelta, isStateDelta, type StateDocument } from "./document.js";
import { HybridClock } from "./hlc.js";
import type { SnapshotStore } from "./snapshot-store.js";
import { SqlSnapshotStore } from "./snapshot-store-sql.js";

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
  /** The SQL store: it lists the stored topics, and keeps checkpoints unless `snapshots` says otherwise. */
  store: StoreAccess<HistoryStore & StateSnapshotStore>;
  /** Checkpoint every this many events. @default 100 */
  snapshotEvery?: number;
  /** Where checkpoints are kept (the Redis engine: Redis, where every node finds them). @default the SQL store */
  snapshots?: SnapshotStore;
  log?: Logger;
}

export class StateTopics {
  readonly clock = new HybridClock(randomUUID().slice(0, 8));
  private readonly docs = new Map<string, Held>();
  /** Documents being rebuilt: the live events that arrived meanwhile, and the rebuild. */
  private readonly loading = new Map<string, { pending: HeraldEvent[]; done: Promise<void> }>();
  private saving: Promise<unknown> = Promise.resolve();
  private readonly snapshots: SnapshotStore;

  constructor(private readonly options: StateTopicsOptions) {
    this.snapshots = options.snapshots ?? new SqlSnapshotStore(options.store);
  }

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
    let doc = this.docs.get(event.topic);
    if (doc === undefined) {
      const loading = this.loading.get(event.topic);
      if (loading !== undefined) {
        loading.pending.push(event);
        return;
      }
      // Only the topic's first event starts a complete document; otherwise `ensure` rebuilds it.
      if (event.seq !== 1) return;
      doc = this.held(event.topic);
    }
    this.applyTo(event.topic, doc, event);
  }

  private applyTo(topic: string, doc: Held, event: HeraldEvent): void {
    if (!isStateDelta(event.data)) return;
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
    if (++doc.sinceCheckpoint >= (this.options.snapshotEvery ?? 100)) this.checkpoint(topic, doc);
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
    const copy = structuredClone(snapshot);
    this.saving = this.saving
      .then(() => this.snapshots.save(copy))
      .catch((err) => this.options.log?.warn({ err, topic }, "state checkpoint failed"));
  }

  /** Rebuilds every state topic the SQL store knows (the memory engine's durable topics), at start. */
  async load(broker: Broker): Promise<void> {
    const store = await this.options.store.get();
    for (const meta of await store.topics()) if (this.handles(meta.topic)) await this.ensure(meta.topic, broker);
  }

  /**
   * Makes sure this node holds `topic`'s complete document (a state topic it has not seen from
   * its first event): the newest checkpoint, then the events after it from the broker's history,
   * then the live events that arrived meanwhile. A no-op for a document held already.
   */
  ensure(topic: string, broker: Broker): Promise<void> {
    if (!this.handles(topic) || this.docs.has(topic)) return Promise.resolve();
    const running = this.loading.get(topic);
    if (running !== undefined) return running.done;
    const pending: HeraldEvent[] = [];
    const done = this.rebuild(topic, broker, pending).finally(() => this.loading.delete(topic));
    this.loading.set(topic, { pending, done });
    return done;
  }

  private async rebuild(topic: string, broker: Broker, pending: HeraldEvent[]): Promise<void> {
    const position = await broker.position(topic);
    const doc: Held = { epoch: position.epoch, seq: 0, state: {}, clocks: {}, sinceCheckpoint: 0 };
    const snap = await this.snapshots.load(topic);
    if (snap !== undefined && snap.epoch === position.epoch) {
      Object.assign(doc, { seq: snap.seq, state: snap.state, clocks: snap.clocks });
    }
    let since = doc.seq;
    for (;;) {
      const page = await broker.history(topic, { since, limit: 1000 });
      if (page.truncated && since === doc.seq) {
        this.options.log?.warn({ topic }, "state history after the checkpoint is gone; state may be partial");
      }
      for (const e of page.events) this.applyTo(topic, doc, e);
      if (page.events.length === 0) break;
      since = (page.events[page.events.length - 1] as HeraldEvent).seq;
    }
    // Nothing awaits from here on: live events either were held (applied now, the ones already
    // read skipped by seq) or arrive after the document is in place.
    for (const e of pending) if (e.epoch !== doc.epoch || e.seq > doc.seq) this.applyTo(topic, doc, e);
    this.docs.set(topic, doc);
  }

  /** Checkpoints every document with events since its last checkpoint and waits for the writes. */
  async close(): Promise<void> {
    for (const [topic, doc] of this.docs) if (doc.sinceCheckpoint > 0) this.checkpoint(topic, doc);
    await this.saving;
  }
}
