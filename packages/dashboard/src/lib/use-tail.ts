/**
 * Tails a topic or pattern: the newest events (bounded), a pause that holds new events aside
 * without losing them, history loaded on demand, and a notice for every reconnect saying
 * whether the missed events were recovered exactly (and how many) or were lost.
 */
import type { HeraldEvent, SubscribeAck } from "@herald/client";
import { isPattern } from "@herald/protocol";
import { useHeraldClient } from "@herald/react";
import { useCallback, useEffect, useRef, useState } from "react";

/** Events kept in the tail (oldest dropped first). */
export const TAIL_LIMIT = 500;

export interface TailNotice {
  at: number;
  kind: "recovered" | "lost" | "error";
  text: string;
}

export interface Tail {
  /** Newest first. */
  events: HeraldEvent[];
  /** Events that arrived while paused, shown on resume. */
  held: number;
  paused: boolean;
  setPaused(paused: boolean): void;
  notices: TailNotice[];
  /** Loads the topic's stored history into the tail (concrete topics only). */
  loadHistory(): Promise<void>;
  canLoadHistory: boolean;
  subscribed: boolean;
  error: string | undefined;
}

const byNewest = (a: HeraldEvent, b: HeraldEvent) =>
  b.timestamp - a.timestamp || (a.topic === b.topic ? b.seq - a.seq : a.topic < b.topic ? 1 : -1);

function merge(list: HeraldEvent[], more: HeraldEvent[]): HeraldEvent[] {
  const ids = new Set(list.map((e) => e.id));
  const fresh = more.filter((e) => !ids.has(e.id));
  if (fresh.length === 0) return list;
  return [...fresh, ...list].sort(byNewest).slice(0, TAIL_LIMIT);
}

export function useTail(topic: string | null): Tail {
  const client = useHeraldClient();
  const [events, setEvents] = useState<HeraldEvent[]>([]);
  const [notices, setNotices] = useState<TailNotice[]>([]);
  const [paused, setPausedState] = useState(false);
  const [heldCount, setHeldCount] = useState(0);
  const [subscribed, setSubscribed] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const pausedRef = useRef(false);
  const held = useRef<HeraldEvent[]>([]);

  useEffect(() => {
    setEvents([]);
    setNotices([]);
    setSubscribed(false);
    setError(undefined);
    held.current = [];
    setHeldCount(0);
    if (topic === null) return;
    const notice = (n: TailNotice) => setNotices((list) => [n, ...list].slice(0, 20));
    let sub: ReturnType<typeof client.subscribe>;
    try {
      sub = client.subscribe(topic);
    } catch (err) {
      setError((err as Error).message);
      return;
    }
    const offs = [
      sub.on("event", (e) => {
        if (pausedRef.current) {
          held.current.push(e);
          if (held.current.length > TAIL_LIMIT) held.current.shift();
          setHeldCount(held.current.length);
        } else setEvents((list) => merge(list, [e]));
      }),
      sub.on("subscribed", (ack: SubscribeAck) => {
        setSubscribed(true);
        if (ack.recovered === true) {
          const n = ack.replayed ?? 0;
          notice({
            at: Date.now(),
            kind: "recovered",
            text: `Reconnected: recovered exactly, ${n} missed event${n === 1 ? "" : "s"} replayed in order.`,
          });
        }
      }),
      sub.on("reset", () =>
        notice({
          at: Date.now(),
          kind: "lost",
          text: "Reconnected: missed events could not be recovered (outside the retained history); live from here.",
        }),
      ),
      sub.on("error", (err) => {
        setError(err.message);
        notice({ at: Date.now(), kind: "error", text: err.message });
      }),
      client.on("state", (s) => {
        if (s.status !== "connected") setSubscribed(false);
      }),
    ];
    return () => {
      for (const off of offs) off();
      sub.unsubscribe();
    };
  }, [client, topic]);

  const setPaused = useCallback((value: boolean) => {
    pausedRef.current = value;
    setPausedState(value);
    if (!value) {
      const more = held.current;
      held.current = [];
      setHeldCount(0);
      setEvents((list) => merge(list, more));
    }
  }, []);

  const canLoadHistory = topic !== null && !isPattern(topic);
  const loadHistory = useCallback(async () => {
    if (topic === null || isPattern(topic)) return;
    try {
      const page = await client.history(topic, { limit: 100 });
      setEvents((list) => merge(list, page.events));
      if (page.truncated) {
        setNotices((list) => [
          { at: Date.now(), kind: "lost" as const, text: "Older events were already trimmed from history." },
          ...list,
        ]);
      }
    } catch (err) {
      setError((err as Error).message);
    }
  }, [client, topic]);

  return {
    events,
    held: heldCount,
    paused,
    setPaused,
    notices,
    loadHistory,
    canLoadHistory,
    subscribed,
    error,
  };
}
