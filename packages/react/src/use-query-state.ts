/**
 * Keeps one TanStack Query entry equal to a state topic's document (docs/storage.md, "State
 * topics"): the subscribe ack's snapshot replaces the cached data, and every delta after it is
 * applied with the protocol's `applyDelta` (per-key last-write-wins), so the cache holds what the
 * server holds — after a reconnect too (the missed deltas are replayed, or a fresh snapshot comes
 * when they cannot be). The CF1 plan's "snapshot for new connections, deltas after", as a hook.
 */
import { applyDelta, type HeraldClientError, isStateDelta, type StateDocument } from "@herald/client";
import { useRef } from "react";
import type { QueryCacheLike, QueryKey } from "./use-query-sync.js";
import { useSubscription } from "./use-subscription.js";

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
  const doc = useRef<StateDocument | undefined>(undefined);
  const latest = useRef(options);
  latest.current = options;
  const write = (d: StateDocument) => {
    const state = structuredClone(d.state);
    latest.current.queryClient.setQueryData(latest.current.queryKey, () => state);
  };
  return useSubscription(topic, {
    onSubscribed(ack) {
      if (ack.state === undefined) return; // a recovered resubscribe: the missed deltas follow
      doc.current = { state: structuredClone(ack.state), clocks: { ...(ack.clocks ?? {}) } };
      write(doc.current);
    },
    onEvent(event) {
      if (doc.current === undefined || !isStateDelta(event.data)) return;
      applyDelta(doc.current, event.data);
      write(doc.current);
    },
  });
}
