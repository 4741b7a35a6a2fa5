import type { HeraldClientError, HeraldEvent, SubscribeOptions } from "@herald/client";
import { useState } from "react";
import { useConnected, useTerminalError } from "./use-connection.js";
import { useSubscription } from "./use-subscription.js";

/** What `useRealTimeStream` subscribes to: a topic or pattern name, or one with options. */
export type StreamSubscription = string | ({ topic: string } & SubscribeOptions) | null;

export interface RealTimeStream<T> {
  /** Payload of the latest event (undefined until one arrives). */
  data: T | undefined;
  /** Whether the client is connected. */
  connected: boolean;
  /** Why the subscription failed (e.g. `forbidden`), or why the client stopped for good (`client_closed`). */
  error: HeraldClientError | undefined;
}

/**
 * The latest event payload of a topic or pattern, with the connection flag and the
 * subscription's error: `const { data, connected, error } = useRealTimeStream<Gauge>("sentiment.gauge")`.
 */
export function useRealTimeStream<T = unknown>(subscription: StreamSubscription): RealTimeStream<T> {
  const topic = subscription === null ? null : typeof subscription === "string" ? subscription : subscription.topic;
  const options = subscription !== null && typeof subscription === "object" ? subscription : {};
  const [data, setData] = useState<T | undefined>(undefined);
  const terminal = useTerminalError();
  const subscriptionError = useSubscription<T>(
    topic,
    { onEvent: (e: HeraldEvent<T>) => setData(() => e.data) },
    options,
  );
  return { data, connected: useConnected(), error: subscriptionError ?? terminal };
}
