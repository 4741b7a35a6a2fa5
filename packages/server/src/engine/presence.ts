/**
 * Presence: who is subscribed to a topic (per-namespace opt-in, `presence: true`).
 *
 * Contract (every store passes `test/suites/presence.suite.ts`):
 * - `join` records one member (a connection on a topic) and, when it was not there yet, tells
 *   every `onChange` listener on every node with a `join`; `leave` removes it and tells `leave`.
 * - `list` returns the member count and, when the count is at most `maxMembers`, the members.
 *   Counting never needs the list (large topics answer with the count only).
 * - Members of a node that stopped without leaving (crash, SIGKILL, network cut) disappear within
 *   `ttlSeconds` after that node's last `heartbeat`, and a `leave` is emitted for each of them
 *   (by whichever node notices first). A live node calls `heartbeat` every `ttlSeconds / 3`.
 */
import type { PresenceEventFrame } from "@herald/protocol";

/** One member of a topic: one connection, its user (absent for anonymous) and optional metadata. */
export interface PresenceInfo {
  client: string;
  user?: string;
  meta?: unknown;
}

export interface PresenceChange {
  type: "join" | "leave";
  topic: string;
  info: PresenceInfo;
}

export interface PresenceList {
  count: number;
  /** The members, or undefined when there are more than `maxMembers`. */
  members: PresenceInfo[] | undefined;
}

export interface PresenceStore {
  start(): Promise<void>;
  close(): Promise<void>;
  join(topic: string, info: PresenceInfo): Promise<void>;
  leave(topic: string, client: string): Promise<void>;
  list(topic: string, maxMembers: number): Promise<PresenceList>;
  /** Keeps this node's members alive and sweeps expired ones of other nodes. */
  heartbeat(): Promise<void>;
  onChange(listener: (change: PresenceChange) => void): void;
}

/** Receives `join`/`leave` frames of a topic (a session that subscribed with `presence: true`). */
export interface PresenceWatcher {
  sendPresence(frame: PresenceEventFrame): void;
}

/**
 * The node's presence: a store plus the local watchers of each topic. A change goes to the
 * watchers of its topic only (one Map lookup); nothing scans other topics.
 */
export class Presence {
  private readonly watchers = new Map<string, Set<PresenceWatcher>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly leaving = new Set<Promise<void>>();

  constructor(
    readonly store: PresenceStore,
    private readonly options: { ttlSeconds: number; maxMembers: number; onError?: (err: unknown) => void },
  ) {
    store.onChange((change) => this.dispatch(change));
  }

  async start(): Promise<void> {
    await this.store.start();
    this.timer = setInterval(
      () => {
        this.store.heartbeat().catch((err) => this.options.onError?.(err));
      },
      Math.max(1000, (this.options.ttlSeconds * 1000) / 3),
    );
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    // Leaves of connections closed during shutdown are still on their way to the store.
    await Promise.allSettled([...this.leaving]);
    await this.store.close();
  }

  join(topic: string, info: PresenceInfo): Promise<void> {
    return this.store.join(topic, info);
  }

  leave(topic: string, client: string): Promise<void> {
    const p = this.store.leave(topic, client);
    this.leaving.add(p);
    const done = () => this.leaving.delete(p);
    p.then(done, done);
    return p;
  }

  list(topic: string): Promise<PresenceList> {
    return this.store.list(topic, this.options.maxMembers);
  }

  /** The member count alone (never reads the member list). */
  count(topic: string): Promise<PresenceList> {
    return this.store.list(topic, 0);
  }

  watch(topic: string, watcher: PresenceWatcher): void {
    let set = this.watchers.get(topic);
    if (set === undefined) {
      set = new Set();
      this.watchers.set(topic, set);
    }
    set.add(watcher);
  }

  unwatch(topic: string, watcher: PresenceWatcher): void {
    const set = this.watchers.get(topic);
    if (set?.delete(watcher) && set.size === 0) this.watchers.delete(topic);
  }

  private dispatch(change: PresenceChange): void {
    const set = this.watchers.get(change.topic);
    if (set === undefined) return;
    const frame: PresenceEventFrame = { type: change.type, topic: change.topic, info: change.info };
    for (const w of set) w.sendPresence(frame);
  }
}
