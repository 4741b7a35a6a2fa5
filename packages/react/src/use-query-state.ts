/**
 * Keeps one TanStack Query entry equal to a state topic's document (docs/storage.md, "State
 * topics"): the subscribe ack's snapshot replaces the cached data, and every delta after it is
 * applied with the protocol's `applyDelta` (per-key last-write-wins), so the cache holds what the
 * server holds — after a reconnect too (the missed deltas are replayed, or a fresh snapshot comes
 * when they cannot be). The CF1 plan's "snapshot for new connections, deltas after", as a hook.
 */
import type { HeraldClientError } from "@herald/client";
import type { QueryCacheLike, QueryKey } from "./use-query-sync.js";
import { useStateTopic } from "./use-state-topic.js";

export interface QueryStateOptions {
  /** Usually `useQueryClient()`. */
  queryClient: QueryCacheLike;
  /** The query whose data is the document (a plain object; each change is a new object). */
  queryKey: QueryKey;
}

/**
 * Subscribes to the state topic `topic` (`null`: nothing) while mounted and keeps the query
 * `queryKey` equal to its document. Returns the subscription's error.
 */
export function useQueryState(topic: string | null, options: QueryStateOptions): HeraldClientError | undefined {
  return useStateTopic(topic, (doc) => {
    const state = structuredClone(doc.state);
    options.queryClient.setQueryData(options.queryKey, () => state);
  });
}
