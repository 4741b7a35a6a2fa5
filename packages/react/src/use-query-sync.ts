/**
 * Keeps a TanStack Query cache in step with a Herald topic, as the CF1 plan does ("connect to
 * the existing React Query cache"): each event updates the cached query data in place, and a
 * lost stretch of events (`recovered: false`) invalidates the queries so they refetch. The
 * query client is typed structurally, so @herald/react needs no dependency on TanStack.
 */
import type { HeraldClientError, HeraldEvent, SubscribeOptions } from "@herald/client";
import { useRef } from "react";
import { useSubscription } from "./use-subscription.js";

/** A query key, as TanStack Query takes it. */
export type QueryKey = readonly unknown[];

/** The part of TanStack Query's `QueryClient` this hook uses (v4 and v5). */
export interface QueryCacheLike {
  setQueryData(queryKey: QueryKey, updater: (old: unknown) => unknown): unknown;
  invalidateQueries(filters: { queryKey: QueryKey }): Promise<unknown>;
}

/** One cache update an event makes. */
export interface QueryUpdate {
  queryKey: QueryKey;
  /** The new data from the cached data (`undefined` when the query was never fetched). */
  update(old: unknown): unknown;
}

export interface QuerySyncOptions<T> extends SubscribeOptions {
  /** Usually `useQueryClient()`. */
  queryClient: QueryCacheLike;
  /** The cache updates an event makes (none: return `[]`). */
  updates(event: HeraldEvent<T>): QueryUpdate[];
  /** Queries to refetch when events were lost for good. @default the keys updated so far */
  invalidateOnReset?: QueryKey[];
}

/**
 * Subscribes to `topic` (a topic or pattern; `null`: nothing) while mounted and applies each
 * event's `updates` to the query cache with `setQueryData`. Returns the subscription's error.
 */
export function useQuerySync<T = unknown>(
  topic: string | null,
  options: QuerySyncOptions<T>,
): HeraldClientError | undefined {
  const { queryClient, updates, invalidateOnReset, ...subscribe } = options;
  const touched = useRef(new Map<string, QueryKey>()).current;
  return useSubscription<T>(
    topic,
    {
      onEvent(event) {
        for (const u of updates(event)) {
          touched.set(JSON.stringify(u.queryKey), u.queryKey);
          queryClient.setQueryData(u.queryKey, (old) => u.update(old));
        }
      },
      onReset() {
        for (const queryKey of invalidateOnReset ?? touched.values()) void queryClient.invalidateQueries({ queryKey });
      },
    },
    subscribe,
  );
}
