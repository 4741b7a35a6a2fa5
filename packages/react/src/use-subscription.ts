/**
 * The building block of the topic hooks: holds one subscription for the component's lifetime,
 * calls the latest handlers, and reports the subscription's error.
 */
import type {
  HeraldClientError,
  HeraldEvent,
  ResetInfo,
  SubscribeAck,
  SubscribeOptions,
  Subscription,
} from "@herald/client";
import { useEffect, useRef, useState } from "react";
import { useHeraldClient } from "./context.js";

export interface SubscriptionHandlers<T> {
  /** Each event, once, in order (missed events first after a reconnect). */
  onEvent(event: HeraldEvent<T>): void;
  /** Events were lost and could not be replayed (`recovered: false`): refetch state. */
  onReset?(info: ResetInfo): void;
  /** The server acknowledged the subscription (after every (re)connect), before the events that follow it. */
  onSubscribed?(ack: SubscribeAck): void;
}

/**
 * Subscribes to `topic` (a topic or a pattern) while mounted; `null` subscribes to nothing.
 * Components subscribing to the same name share one server subscription. Returns the
 * subscription's error (e.g. `forbidden`), if any.
 */
export function useSubscription<T = unknown>(
  topic: string | null,
  handlers: SubscriptionHandlers<T>,
  options: SubscribeOptions = {},
): HeraldClientError | undefined {
  const client = useHeraldClient();
  const latest = useRef(handlers);
  latest.current = handlers;
  const since = useRef(options.since);
  since.current = options.since;
  const [error, setError] = useState<HeraldClientError | undefined>(undefined);
  useEffect(() => {
    setError(undefined);
    if (topic === null) return;
    let sub: Subscription<T>;
    try {
      // The hook's own T decides the payload type (the client's topic map does not apply here).
      sub = client.subscribe(topic, since.current === undefined ? {} : { since: since.current }) as Subscription<T>;
    } catch (err) {
      setError(err as HeraldClientError);
      return;
    }
    const offs = [
      sub.on("event", (e) => latest.current.onEvent(e)),
      sub.on("reset", (r) => latest.current.onReset?.(r)),
      sub.on("subscribed", (ack) => latest.current.onSubscribed?.(ack)),
      sub.on("error", (err) => setError(err)),
    ];
    return () => {
      for (const off of offs) off();
      sub.unsubscribe();
    };
  }, [client, topic]);
  return error;
}
