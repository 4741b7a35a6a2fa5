/** Whether a topic's namespace tracks presence (the presence API and the session's presence requests). */
import { HeraldError } from "@herald/protocol";
import type { Namespaces } from "./namespaces.js";

/** Throws `forbidden` unless the topic's namespace tracks presence. */
export function checkPresenceEnabled(core: { readonly namespaces: Namespaces }, topic: string): void {
  if (!core.namespaces.of(topic).presence) {
    throw new HeraldError("forbidden", `presence is not enabled for the namespace of "${topic}"`);
  }
}
