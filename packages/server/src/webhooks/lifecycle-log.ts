/**
 * The cluster's record of who holds what, and the queue of lifecycle events it produces.
 *
 * Contract (every implementation, test/suites/lifecycle-log.suite.ts):
 * - `hold(key, up, fields)` says whether this node now holds `key` (a channel, a member, a user)
 *   or no longer does. An event is queued exactly when the cluster as a whole changes: the first
 *   node to hold a key queues its `up` event, the last one to let go queues its `down` event;
 *   holds by other nodes in between queue nothing. The change and its event are one atomic step.
 * - `read(n)` returns the oldest `n` events not yet acknowledged, in the order they happened;
 *   `ack(id)` drops every event up to `id`. Nothing is dropped otherwise, except past `maxQueue`
 *   (the oldest first, counted in `dropped`).
 * - `release(nodeTimeoutMs)` lets go, on behalf of nodes silent for longer than that, of
 *   everything they held (queuing the `down` events); `releaseSelf()` does it for this node at
 *   shutdown. A single-process log has no other nodes.
 */
import type { LifecycleEvent, LifecycleFields } from "./lifecycle-event.js";

export interface LifecycleLog {
  /** Queues an event that is not about holding (an alert, an analysis session): the caller is the one node that saw it. */
  append(fields: LifecycleFields): Promise<void>;
  hold(key: string, up: boolean, upFields: LifecycleFields, downFields: LifecycleFields): Promise<void>;
  read(n: number): Promise<LifecycleEvent[]>;
  ack(id: string): Promise<void>;
  /**
   * Marks this node alive (the Redis log's nodes refresh it; a no-op in one process). True when
   * its holdings were let go meanwhile (it was taken for gone): the caller holds them again.
   */
  heartbeat(): Promise<boolean>;
  /** The keys this node holds as the log records them, each with its `down` event. */
  holdings(): Promise<Map<string, LifecycleFields>>;
  /** Lets go of what nodes silent for `nodeTimeoutMs` held; resolves to how many nodes. */
  release(nodeTimeoutMs: number): Promise<number>;
  /** Lets go of everything this node still holds (at shutdown), queuing the `down` events. */
  releaseSelf(): Promise<void>;
  /** Events dropped past `maxQueue` (the whole cluster's count on Redis). */
  dropped(): Promise<number>;
}
