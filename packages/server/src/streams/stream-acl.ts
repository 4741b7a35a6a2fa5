/**
 * Session topics belong to their session's owner: `{streams.topicPrefix}.{id}` (and below it)
 * may be read, recovered and watched only by the user who started the session, or an admin;
 * nobody publishes there but the gateway. Everything else is decided by the wrapped ACL.
 */

import type { Acl } from "../auth/acl.js";
import { isAdmin, type RoleOptions } from "../auth/acl-rules.js";
import type { Principal } from "../auth/principal.js";

export class StreamAcl implements Acl {
  private readonly prefix: string;

  constructor(
    private readonly inner: Acl,
    topicPrefix: string,
    /** The owner of a session id, when known. */
    private readonly ownerOf: (id: string) => string | undefined,
    private readonly roles: RoleOptions,
  ) {
    this.prefix = `${topicPrefix}.`;
  }

  private ours(topic: string): boolean {
    return topic.startsWith(this.prefix);
  }

  private owns(who: Principal, topic: string): boolean {
    if (isAdmin(who, this.roles)) return true;
    if (who.anonymous) return false;
    const id = topic.slice(this.prefix.length).split(".")[0] as string;
    return this.ownerOf(id) === who.user;
  }

  canSubscribe(who: Principal, topicOrPattern: string): boolean {
    if (!this.ours(topicOrPattern)) return this.inner.canSubscribe(who, topicOrPattern);
    // A pattern below the prefix is accepted only for admins; deliveries are checked by canRead anyway.
    if (topicOrPattern.includes("*") || topicOrPattern.includes(">")) return isAdmin(who, this.roles);
    return this.owns(who, topicOrPattern);
  }

  canRead(who: Principal, topic: string): boolean {
    return this.ours(topic) ? this.owns(who, topic) : this.inner.canRead(who, topic);
  }

  canPublish(who: Principal, topic: string): boolean {
    return this.ours(topic) ? false : this.inner.canPublish(who, topic);
  }

  canHistory(who: Principal, topic: string): boolean {
    return this.ours(topic) ? this.owns(who, topic) : this.inner.canHistory(who, topic);
  }

  canPresence(who: Principal, topic: string): boolean {
    return this.ours(topic) ? this.owns(who, topic) : this.inner.canPresence(who, topic);
  }
}
