/**
 * A namespace's configuration: history, durability, presence, client publishing, state mode,
 * its ACL rules and its pipeline. Types only, in a module of their own so the feature modules
 * that read namespaces (compute, dashboard, ACL) depend on no configuration code.
 */
import type { StageOptions } from "./pipeline/options.js";

export interface HistoryOptions {
  /** Events kept per topic; 0 disables history. @default 100 */
  size: number;
  /** Seconds an event is kept; 0 keeps it until pushed out by `size`. @default 300 */
  ttlSeconds: number;
}

export interface NamespaceConfig {
  /** Topic prefix, by whole segments: `market` covers `market` and `market.*`. `""` is the default namespace. */
  prefix: string;
  history: HistoryOptions;
  /** Keep history in the store so it survives restarts. @default false */
  durable: boolean;
  /** Track who is subscribed. @default false */
  presence: boolean;
  /** Whether connected clients may publish here (the ACL may narrow it further). @default true */
  clientPublish: boolean;
  /** State mode: publishes are JSON Merge Patches of one keyed document (needs `durable`). @default false */
  state: boolean;
  /** Who may subscribe, publish, read history and see presence here. See docs/security.md. */
  acl: NamespaceAclConfig;
  /** The ingest pipeline of this namespace: stages run in order on every publish (docs/pipeline.md). @default [] */
  pipeline: StageOptions[];
}

/**
 * One access rule: `anyone`, `authenticated` (any verified token), `owner` (the segment after
 * the namespace prefix is the user's `sub`), `admin` (role `auth.adminRole`), `nobody`,
 * `{role}` (the roles claim holds it), `{claim, values}` (the claim equals one of the values).
 * A list means any of its rules.
 */
export type AccessRule =
  | "anyone"
  | "authenticated"
  | "owner"
  | "admin"
  | "nobody"
  | { role: string }
  | { claim: string; values: Array<string | number | boolean> };

export type AclRule = AccessRule | AccessRule[];

export interface NamespaceAclConfig {
  /** Subscribe and receive live, recovered events. @default "anyone" */
  subscribe: AclRule;
  /** Publish from a client connection (also needs `clientPublish`). @default "anyone" */
  publish: AclRule;
  /** Read history. @default "anyone" */
  history: AclRule;
  /** See presence. @default "anyone" */
  presence: AclRule;
}
