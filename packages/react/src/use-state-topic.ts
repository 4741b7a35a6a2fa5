/**
 * Follows a state topic's document (docs/storage.md, "State topics"): the subscribe ack's
 * snapshot, then every delta applied with the protocol's `applyDelta` (per-key last-write-wins,
 * the server's own rule), across reconnects (the missed deltas are replayed, or a fresh snapshot
 * comes when they cannot be). `onDocument` gets the document after the snapshot and after each
 * delta; it is the gateway's document, not a copy: copy it before keeping it.
 */
import { applyDelta, type HeraldClientError, isStateDelta, type StateDocument } from "@herald/client";
import { useRef } from "react";
import { useSubscription } from "./use-subscription.js";

export function useStateTopic(
  topic: string | null,
  onDocument: (document: Readonly<StateDocument>) => void,
): HeraldClientError | undefined {
  const doc = useRef<StateDocument | undefined>(undefined);
  const latest = useRef(onDocument);
  latest.current = onDocument;
  return useSubscription(topic, {
    onSubscribed(ack) {
      if (ack.state === undefined) return; // a recovered resubscribe: the missed deltas follow
      doc.current = { state: structuredClone(ack.state), clocks: { ...(ack.clocks ?? {}) } };
      latest.current(doc.current);
    },
    onEvent(event) {
      if (doc.current === undefined || !isStateDelta(event.data)) return;
      applyDelta(doc.current, event.data);
      latest.current(doc.current);
    },
  });
}
