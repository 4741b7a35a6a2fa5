/**
 * Who is on a topic, kept current: the member list is fetched after every (re)subscribe (so
 * also after a reconnect, where `join`/`leave` may have been missed) and then updated by the
 * live `join`/`leave` events.
 */
import type { HeraldClientError, PresenceMember } from "@herald/client";
import { useEffect, useRef, useState } from "react";
import { useHeraldClient } from "./context.js";

export interface UsePresenceOptions {
  /** This connection's presence metadata (a JSON object); read when the hook subscribes. */
  meta?: Record<string, unknown>;
}

export interface PresenceState {
  /** The members (one per connection), or `[]` while loading and when the topic is too large to list. */
  members: PresenceMember[];
  /** Members on the topic. */
  count: number;
  /** Until the first answer to the presence request. */
  loading: boolean;
  /** Why presence failed (`forbidden`: not a presence namespace, or the ACL). */
  error: HeraldClientError | undefined;
}

const EMPTY: PresenceState = { members: [], count: 0, loading: true, error: undefined };

/**
 * Members of `topic` (a topic in a presence namespace) and their count. This connection
 * subscribes with `presence: true` while mounted and is a member itself. Topics with more than
 * the server's `presence.maxMembers` members report `count` only (kept by join/leave).
 */
export function usePresence(topic: string | null, options: UsePresenceOptions = {}): PresenceState {
  const client = useHeraldClient();
  const meta = useRef(options.meta);
  meta.current = options.meta;
  const [state, setState] = useState<PresenceState>(EMPTY);
  useEffect(() => {
    setState(EMPTY);
    if (topic === null) return;
    let members: Map<string, PresenceMember> | undefined;
    let count = 0;
    let loading = true;
    let generation = 0;
    // join/leave seen while a list is being fetched: re-applied on top of it (both are idempotent on the map).
    let buffered: Array<["join" | "leave", PresenceMember]> | undefined;
    let live = true;
    const publish = (error?: HeraldClientError) =>
      setState({ members: members === undefined ? [] : [...members.values()], count, loading, error });
    const apply = (kind: "join" | "leave", m: PresenceMember) => {
      if (members === undefined) count = Math.max(0, count + (kind === "join" ? 1 : -1));
      else {
        if (kind === "join") members.set(m.client, m);
        else members.delete(m.client);
        count = members.size;
      }
    };
    const refetch = () => {
      const mine = ++generation;
      buffered = [];
      client.presence(topic).then(
        (answer) => {
          if (!live || mine !== generation) return;
          members = answer.members === undefined ? undefined : new Map(answer.members.map((m) => [m.client, m]));
          count = answer.count;
          for (const [kind, m] of buffered ?? []) if (members !== undefined) apply(kind, m);
          buffered = undefined;
          loading = false;
          publish();
        },
        (err: HeraldClientError) => {
          if (!live || mine !== generation) return;
          buffered = undefined;
          if (err.code === "connection_lost" || err.code === "request_timeout") return; // refetched on the next subscribe
          loading = false;
          publish(err);
        },
      );
    };
    const onPresence = (kind: "join" | "leave") => (m: PresenceMember) => {
      if (buffered !== undefined) buffered.push([kind, m]);
      else if (!loading) {
        apply(kind, m);
        publish();
      }
    };
    let sub: ReturnType<typeof client.subscribe>;
    try {
      sub = client.subscribe(
        topic,
        meta.current === undefined ? { presence: true } : { presence: true, meta: meta.current },
      );
    } catch (err) {
      loading = false;
      publish(err as HeraldClientError);
      return;
    }
    const offs = [
      sub.on("subscribed", refetch),
      sub.on("join", onPresence("join")),
      sub.on("leave", onPresence("leave")),
      sub.on("error", (err) => {
        loading = false;
        publish(err);
      }),
    ];
    if (sub.status === "subscribed" && sub.presence) refetch(); // shared and already live: no ack is coming
    return () => {
      live = false;
      for (const off of offs) off();
      sub.unsubscribe();
    };
  }, [client, topic]);
  return state;
}
