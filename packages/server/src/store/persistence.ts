/**
 * The seam between a broker and the store: a broker keeps sequencing and fan-out, and hands
 * every event of a durable topic to `commit` before it applies or delivers it. The memory
 * broker uses it today; any broker that sequences in-process can use it the same way.
 *
 * Contract: `commit` promises resolve in the order the calls were made; once one rejects
 * (`unavailable`), every later one rejects too until the store answers again, so a broker never
 * has a hole in a topic's history. Before commits are taken again, the `onRecovered` listeners
 * get every durable topic's committed position (a failed commit may have been written after
 * all: the store has the last word).
 */
import type { HeraldEvent, StreamPosition } from "@herald/protocol";
import type { TopicMeta } from "./history-store.js";

/** A durable topic as it was stored: its position and its newest events (ascending). */
export interface RestoredTopic {
  topic: string;
  epoch: string;
  seq: number;
  events: HeraldEvent[];
}

export interface RestoredHistory {
  /** The stream position last committed; absent for an empty store. */
  stream: StreamPosition | undefined;
  topics: RestoredTopic[];
  /** The newest durable events across topics, ascending by offset. */
  streamEvents: HeraldEvent[];
  /** Pattern recovery from below this offset is not exact even for durable topics (trimmed or not loaded). */
  durableFloor: number;
}

export interface Persistence {
  /** Whether events on `topic` are kept in the store. */
  durable(topic: string): boolean;
  /** Queues `event` for the next group commit; resolves once it is committed. */
  commit(event: HeraldEvent, stream: StreamPosition): Promise<void>;
  /**
   * Whether every topic `pattern` can match lies in a durable namespace: only such a pattern
   * recovers from a position taken before a restart.
   */
  covers(pattern: string): boolean;
  /** Loads what a broker needs on start; `streamSize` bounds the stream events returned. */
  restore(streamSize: number): Promise<RestoredHistory>;
  /**
   * Registers what runs after a store outage, before commits are taken again: it gets every
   * durable topic's committed position and a reader of committed events (seq > afterSeq,
   * ascending, at most limit). A rejection keeps the store down (it is retried).
   */
  onRecovered(listener: RecoveryListener): void;
  /** Starts enforcing retention in the store (`restore` does it for a broker that restores). */
  retain(): void;
  /** Commits what is queued and stops background work (the store stays open). */
  close(): Promise<void>;
}

/** See `Persistence.onRecovered`. */
export type RecoveryListener = (
  topics: TopicMeta[],
  read: (topic: string, afterSeq: number, limit: number) => Promise<HeraldEvent[]>,
) => Promise<void>;
