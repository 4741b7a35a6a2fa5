/**
 * One client per set of options, shared by every provider that passes equal options, and kept
 * across React StrictMode's mount → unmount → mount and hot reload: a release closes the
 * client only if nobody acquired it again by the next task.
 */
import { type ClientOptions, createClient, type HeraldClient } from "@herald/client";

interface Entry {
  client: HeraldClient;
  refs: number;
  closing: ReturnType<typeof setTimeout> | undefined;
}

const entries = new Map<string, Entry>();
const identities = new WeakMap<object, number>();
let nextIdentity = 0;

function identity(value: object): number {
  let id = identities.get(value);
  if (id === undefined) {
    id = ++nextIdentity;
    identities.set(value, id);
  }
  return id;
}

/**
 * A key equal for equal options: plain values by content, functions (token callbacks, the
 * WebSocket constructor) by identity — so an inline `options={{url}}` object re-created on
 * every render keeps its client.
 */
export function optionsKey(options: ClientOptions): string {
  return JSON.stringify(options, (_key, value: unknown) =>
    typeof value === "function" ? `fn#${identity(value as object)}` : value,
  );
}

/** The client for `key`, created (not connected) when there is none yet. */
export function peekClient(key: string, options: ClientOptions): HeraldClient {
  let entry = entries.get(key);
  if (entry === undefined) {
    entry = { client: createClient(options), refs: 0, closing: undefined };
    entries.set(key, entry);
  }
  return entry.client;
}

/** Marks the client for `key` in use and connects it. */
export function acquireClient(key: string, options: ClientOptions): HeraldClient {
  const client = peekClient(key, options);
  const entry = entries.get(key) as Entry;
  entry.refs++;
  if (entry.closing !== undefined) clearTimeout(entry.closing);
  entry.closing = undefined;
  client.connect();
  return client;
}

/** Releases one use; the last release closes the client unless it is acquired again first. */
export function releaseClient(key: string): void {
  const entry = entries.get(key);
  if (entry === undefined || entry.refs === 0) return;
  entry.refs--;
  if (entry.refs > 0 || entry.closing !== undefined) return;
  entry.closing = setTimeout(() => {
    entry.closing = undefined;
    if (entry.refs > 0) return;
    entries.delete(key);
    entry.client.close();
  }, 0);
}

/** Number of cached clients (tests: nothing leaks). */
export function cachedClients(): number {
  return entries.size;
}
