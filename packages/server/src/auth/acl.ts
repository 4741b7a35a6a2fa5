/**
 * Topic access control. The hub asks before subscribing, before delivering an event that
 * reached a session through a pattern, before history and recovery, and before publishing.
 */
import { BROADCAST_TOPIC, personalTopic } from "@herald/protocol";
import type { Namespaces } from "../hub/namespaces.js";
import type { Principal } from "./principal.js";

export interface Acl {
  /** May `who` subscribe to this topic or pattern? */
  canSubscribe(who: Principal, topicOrPattern: string): boolean;
  /** May `who` receive events of this concrete topic (live, history, recovery)? */
  canRead(who: Principal, topic: string): boolean;
  /** May `who` publish to this concrete topic from a client connection? */
  canPublish(who: Principal, topic: string): boolean;
}

/** Whether `topic` is `who`'s personal topic or below it. */
export function ownsTopic(who: Principal, topic: string): boolean {
  if (who.anonymous) return false;
  const own = personalTopic(who.user);
  return topic === own || topic.startsWith(`${own}.`);
}

/**
 * The default: `user.*` topics are readable only by their owner; everything else is readable
 * by everyone; clients publish where the namespace allows it, never to `broadcast` or to
 * another user's topics.
 */
export class NamespaceAcl implements Acl {
  constructor(private readonly namespaces: Namespaces) {}

  canSubscribe(who: Principal, topicOrPattern: string): boolean {
    if (topicOrPattern.startsWith("user.") && !topicOrPattern.includes("*") && !topicOrPattern.includes(">")) {
      return ownsTopic(who, topicOrPattern);
    }
    return true;
  }

  canRead(who: Principal, topic: string): boolean {
    return !topic.startsWith("user.") || ownsTopic(who, topic);
  }

  canPublish(who: Principal, topic: string): boolean {
    if (topic === BROADCAST_TOPIC) return false;
    if (topic.startsWith("user.") && !ownsTopic(who, topic)) return false;
    return this.namespaces.of(topic).clientPublish;
  }
}
