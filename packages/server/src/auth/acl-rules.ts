/**
 * Evaluates configured access rules against a principal. The result does not depend on the
 * topic except for `owner`, so it is computed once per principal and namespace and cached by
 * the ACL; only the owner comparison runs per topic.
 */
import type { AccessRule, AclRule } from "../namespace-config.js";
import type { Principal } from "./principal.js";

/** Allowed, denied, or allowed only on topics owned by the principal. */
export type Decision = 0 | 1 | 2;
export const DENY: Decision = 0;
export const ALLOW: Decision = 1;
export const OWNER: Decision = 2;

export interface RoleOptions {
  /** Claim holding roles (string or string[]). */
  rolesClaim: string;
  /** Role the `admin` rule requires. */
  adminRole: string;
}

/** Roles carried by a principal's verified claims. */
export function rolesOf(who: Principal, claim: string): readonly string[] {
  if (who.anonymous) return [];
  const v = who.claims[claim];
  if (typeof v === "string") return v.split(/[\s,]+/).filter((s) => s.length > 0);
  if (Array.isArray(v)) return v.filter((s): s is string => typeof s === "string");
  return [];
}

export function isAdmin(who: Principal, roles: RoleOptions): boolean {
  return rolesOf(who, roles.rolesClaim).includes(roles.adminRole);
}

function one(rule: AccessRule, who: Principal, roles: RoleOptions): Decision {
  if (typeof rule === "string") {
    switch (rule) {
      case "anyone":
        return ALLOW;
      case "authenticated":
        return who.anonymous ? DENY : ALLOW;
      case "owner":
        return who.anonymous ? DENY : OWNER;
      case "admin":
        return isAdmin(who, roles) ? ALLOW : DENY;
      case "nobody":
        return DENY;
      default:
        return DENY; // unknown rule strings are refused by the config schema; deny if one slips in
    }
  }
  if ("role" in rule) return rolesOf(who, roles.rolesClaim).includes(rule.role) ? ALLOW : DENY;
  if (who.anonymous || !Object.hasOwn(who.claims, rule.claim)) return DENY;
  const v = who.claims[rule.claim];
  const values = Array.isArray(v) ? v : [v];
  return values.some((x) => rule.values.includes(x as string | number | boolean)) ? ALLOW : DENY;
}

/** Evaluates a rule or a list of rules (any of them). ALLOW beats OWNER beats DENY. */
export function decide(rule: AclRule, who: Principal, roles: RoleOptions): Decision {
  if (!Array.isArray(rule)) return one(rule, who, roles);
  let best: Decision = DENY;
  for (const r of rule) {
    const d = one(r, who, roles);
    if (d === ALLOW) return ALLOW;
    if (d === OWNER) best = OWNER;
  }
  return best;
}

/**
 * Whether `topic` (or the literal part of a pattern, `segments`) is owned by `user` under a
 * namespace whose prefix has `prefixSegments` segments: the next segment is the user id.
 * `wildcardOk` accepts a wildcard or missing owner segment (patterns: deliveries are filtered).
 */
export function ownerSegmentMatches(topic: string, prefixSegments: number, user: string, wildcardOk = false): boolean {
  let start = 0;
  for (let i = 0; i < prefixSegments; i++) {
    const dot = topic.indexOf(".", start);
    if (dot < 0) return wildcardOk;
    start = dot + 1;
  }
  if (start >= topic.length) return wildcardOk;
  const end = topic.indexOf(".", start);
  const segment = end < 0 ? topic.slice(start) : topic.slice(start, end);
  if (segment === "*" || segment === ">") return wildcardOk;
  return segment === user;
}
