import type { HeraldClientError, HeraldEvent, SubscribeOptions } from "@herald/client";
import { useState } from "react";
import { useConnected, useTerminalError } from "./use-connection.js";
import { useSubscription } from "./use-subscription.js";

export interface UseTopicOptions extends SubscribeOptions {
  /** Most recent events kept in `events` (older ones are dropped). @default 100 */
  limit?: number;
}

export interface TopicState<T> {
  /** The latest event (envelope included). */
  latest: HeraldEvent<T> | undefined;
  /** The last `limit` events, oldest first. */
  events: HeraldEvent<T>[];
  connected: boolean;
  error: HeraldClientError | undefined;
  /** How many times events were lost for good (`recovered: false`); refetch when it changes. */
  resets: number;
}

/** The latest event of a topic or pattern and a bounded list of recent ones. */
export function useTopic<T = unknown>(topic: string | null, options: UseTopicOptions = {}): TopicState<T> {
  const limit = Math.max(1, options.limit ?? 100);
  const [events, setEvents] = useState<HeraldEvent<T>[]>([]);
  const [resets, setResets] = useState(0);
  const terminal = useTerminalError();
  const subscriptionError = useSubscription<T>(
    topic,
    {
      onEvent: (e) =>
        setEvents((list) => (list.length >= limit ? [...list.slice(list.length - limit + 1), e] : [...list, e])),
      onReset: () => setResets((n) => n + 1),
    },
    options,
  );
  return { latest: events.at(-1), events, connected: useConnected(), error: subscriptionError ?? terminal, resets };
}
