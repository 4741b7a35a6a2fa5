/**
 * Durable history in the store: events by `(topic, seq)` and by stream `offset`, each topic's
 * position and the stream's. Part of `Store` (store.ts); the durable log (`durable-log.ts`)
 * is its one user.
 *
 * Contract: `append` commits a whole batch of events in one transaction, together with each
 * topic's position and the stream position: after it resolves, all of it survives a crash;
 * after it rejects, none of it was written. Reads return events in ascending order. `trim` only
 * ever removes the oldest events of a topic.
 */
import type { HeraldEvent } from "@herald/protocol";

/** A durable topic's identity and last seq. */
export interface TopicMeta {
  topic: string;
  epoch: string;
  seq: number;
}

export interface HistoryStore {
  /** Commits events (any topics) and the stream position in one transaction. */
  append(events: readonly HeraldEvent[], stream: { epoch: string; offset: number }): Promise<void>;
  /** Every durable topic with its position. */
  topics(): Promise<TopicMeta[]>;
  /** One durable topic's position; undefined when the store has none. */
  topic(topic: string): Promise<TopicMeta | undefined>;
  /** Events of `topic` with seq > `afterSeq`, ascending, at most `limit`. */
  events(topic: string, afterSeq: number, limit: number): Promise<HeraldEvent[]>;
  /** The newest `limit` events across topics by offset, returned in ascending offset order. */
  streamTail(limit: number): Promise<HeraldEvent[]>;
  /** The stream position last committed, if any. */
  streamPosition(): Promise<{ epoch: string; offset: number } | undefined>;
  /**
   * Removes events of `topic` with seq <= `uptoSeq` or timestamp < `before`, and raises the
   * trimmed offset to the highest offset removed. Returns how many were removed.
   */
  trim(topic: string, uptoSeq: number, before: number): Promise<number>;
  /** The highest stream offset ever trimmed (0 when none): stream recovery below it is not exact. */
  trimmedOffset(): Promise<number>;
}
