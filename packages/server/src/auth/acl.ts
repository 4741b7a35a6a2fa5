/**
 * Topic access control. The session asks before subscribing, before delivering an event that
 * reached it through a pattern, before history and recovery, and before publishing.
 *
 * Rules come from each namespace's `acl` (see docs/security.md) and the verified token claims.
 * Two rules hold whatever the configuration says: a user's personal topics `user.{sub}` and
 * `user.{sub}.…` are readable and publishable only by that user (or an admin), and clients never
 * publish to `broadcast`.
 */
import { BROADCAST_TOPIC, isPattern, personalTopic } from "@herald/protocol";
import type { Namespaces } from "../hub/namespaces.js";
import type { NamespaceAclConfig, NamespaceConfig } from "../namespace-config.js";
import {
  ALLOW,
  DENY,
  type Decision,
  decide,
  isAdmin,
  OWNER,
  ownerSegmentMatches,
  type RoleOptions,
} from "./acl-rules.js";
import type { Principal } from "./principal.js";

export interface Acl {
  /** May `who` subscribe to this topic or pattern? */
  canSubscribe(who: Principal, topicOrPattern: string): boolean;
  /** May `who` receive events of this concrete topic (live, recovery)? On the hot path: cheap. */
  canRead(who: Principal, topic: string): boolean;
  /** May `who` publish to this concrete topic from a client connection? */
  canPublish(who: Principal, topic: string): boolean;
  /** May `who` read the stored history of this concrete topic? */
  canHistory(who: Principal, topic: string): boolean;
  /** May `who` see presence (who is connected) on this concrete topic? */
  canPresence(who: Principal, topic: string): boolean;
}

/** Whether `topic` is `who`'s personal topic or below it. */
export function ownsTopic(who: Principal, topic: string): boolean {
  if (who.anonymous) return false;
  const own = personalTopic(who.user);
  return topic === own || topic.startsWith(`${own}.`);
}

const ACTIONS = ["subscribe", "publish", "history", "presence"] as const satisfies ReadonlyArray<
  keyof NamespaceAclConfig
>;
type Action = (typeof ACTIONS)[number];
const INDEX: Record<Action, number> = { subscribe: 0, publish: 1, history: 2, presence: 3 };

interface PrincipalCache {
  admin: boolean;
  byNamespace: Map<NamespaceConfig, Uint8Array>;
  /** Read decisions by concrete topic: the pattern-delivery hot path is one lookup. */
  reads: Map<string, boolean>;
}

/** Topics whose read decision one principal keeps; past it the map starts over. */
const READ_CACHE_LIMIT = 4096;

const DEFAULT_ROLES: RoleOptions = { rolesClaim: "roles", adminRole: "admin" };

/** Literal segments of a pattern before its first wildcard (`a.b.*.c` → `a.b`). */
function literalPrefix(pattern: string): string {
  const segments = pattern.split(".");
  const i = segments.findIndex((s) => s === "*" || s === ">");
  return (i < 0 ? segments : segments.slice(0, i)).join(".");
}

export class NamespaceAcl implements Acl {
  private readonly cache = new WeakMap<Principal, PrincipalCache>();
  private readonly prefixSegments = new Map<NamespaceConfig, number>();
  private readonly prefixes: string[];

  constructor(
    private readonly namespaces: Namespaces,
    private readonly roles: RoleOptions & { anonymousPublish?: boolean } = DEFAULT_ROLES,
  ) {
    for (const ns of namespaces.all) this.prefixSegments.set(ns, ns.prefix === "" ? 0 : ns.prefix.split(".").length);
    this.prefixes = namespaces.all.map((ns) => ns.prefix).filter((p) => p !== "");
  }

  private entry(who: Principal): PrincipalCache {
    let e = this.cache.get(who);
    if (e === undefined) {
      e = { admin: isAdmin(who, this.roles), byNamespace: new Map(), reads: new Map() };
      this.cache.set(who, e);
    }
    return e;
  }

  /** The four decisions of `who` in `ns`, computed once per principal and namespace. */
  private decisions(who: Principal, ns: NamespaceConfig): Uint8Array {
    const e = this.entry(who);
    let d = e.byNamespace.get(ns);
    if (d === undefined) {
      d = new Uint8Array(ACTIONS.length);
      // A namespace without an `acl` (a config object built by hand) allows everything but the floor.
      for (const a of ACTIONS) d[INDEX[a]] = ns.acl === undefined ? ALLOW : decide(ns.acl[a], who, this.roles);
      e.byNamespace.set(ns, d);
    }
    return d;
  }

  private check(action: Action, who: Principal, topic: string): boolean {
    const ns = this.namespaces.of(topic);
    const d = this.decisions(who, ns)[INDEX[action]] as Decision;
    if (d === DENY) return false;
    if (d === OWNER && !ownerSegmentMatches(topic, this.prefixSegments.get(ns) ?? 0, who.user)) return false;
    // The floor: personal topics belong to their user.
    if (topic.startsWith("user.") || topic === "user") return ownsTopic(who, topic) || this.entry(who).admin;
    return true;
  }

  canRead(who: Principal, topic: string): boolean {
    const reads = this.entry(who).reads;
    let ok = reads.get(topic);
    if (ok === undefined) {
      ok = this.check("subscribe", who, topic);
      if (reads.size >= READ_CACHE_LIMIT) reads.clear();
      reads.set(topic, ok);
    }
    return ok;
  }

  canHistory(who: Principal, topic: string): boolean {
    return this.check("history", who, topic);
  }

  canPresence(who: Principal, topic: string): boolean {
    return this.check("presence", who, topic);
  }

  canPublish(who: Principal, topic: string): boolean {
    if (topic === BROADCAST_TOPIC) return false;
    if (!this.namespaces.of(topic).clientPublish) return false;
    if (who.anonymous && this.roles.anonymousPublish !== true) return false; // auth.anonymousPublish
    return this.check("publish", who, topic);
  }

  /**
   * A concrete topic is checked as a read. A pattern is refused when every topic it can match
   * is refused (e.g. `user.bob.>` for alice, `admin.>` for a non-admin); otherwise it is
   * accepted and each delivery is filtered by `canRead`.
   */
  canSubscribe(who: Principal, topicOrPattern: string): boolean {
    if (!isPattern(topicOrPattern)) return this.canRead(who, topicOrPattern);
    const literal = literalPrefix(topicOrPattern);
    if (literal === "user" || literal.startsWith("user.")) {
      const owner = topicOrPattern.split(".")[1];
      if (owner !== undefined && owner !== "*" && owner !== ">" && owner !== who.user && !this.entry(who).admin) {
        return false;
      }
      if (who.anonymous && !this.entry(who).admin) return false;
    }
    // A more specific namespace below the literal part may allow what this one denies.
    const deeper = this.prefixes.some((p) => literal === "" || p.startsWith(`${literal}.`));
    if (deeper) return true;
    const ns = this.namespaces.of(literal);
    const d = this.decisions(who, ns)[INDEX.subscribe] as Decision;
    if (d === DENY) return false;
    if (d === OWNER) return ownerSegmentMatches(topicOrPattern, this.prefixSegments.get(ns) ?? 0, who.user, true);
    return true;
  }
}
