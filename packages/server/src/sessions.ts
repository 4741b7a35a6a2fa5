/** Every session on this node, indexed by user for `sendToUser` and `disconnectUser`. */
import type { Principal } from "./auth/principal.js";

/** What the registry reads of a session (generic, so this module does not import the session). */
export interface IndexedSession {
  readonly user: string | undefined;
}

export class Sessions<Session extends IndexedSession = IndexedSession> {
  private readonly all = new Set<Session>();
  private readonly byUser = new Map<string, Set<Session>>();
  private userListener: ((user: string, connected: boolean) => void) | undefined;

  /** Calls `listener` when a user gets a first session on this node, and when its last one goes. */
  observeUsers(listener: (user: string, connected: boolean) => void): void {
    this.userListener = listener;
  }

  get size(): number {
    return this.all.size;
  }

  values(): IterableIterator<Session> {
    return this.all.values();
  }

  add(session: Session): void {
    this.all.add(session);
  }

  /** Indexes a session under its (new) user once it has authenticated. */
  rebind(session: Session, before: Principal | undefined, after: Principal): void {
    if (before !== undefined && !before.anonymous && !after.anonymous && before.user === after.user) return;
    if (before && !before.anonymous) this.unindex(session, before.user);
    if (!after.anonymous) {
      let set = this.byUser.get(after.user);
      if (set === undefined) {
        set = new Set();
        this.byUser.set(after.user, set);
      }
      if (!set.has(session)) {
        set.add(session);
        if (set.size === 1) this.userListener?.(after.user, true);
      }
    }
  }

  private unindex(session: Session, user: string): void {
    const set = this.byUser.get(user);
    if (set?.delete(session) && set.size === 0) {
      this.byUser.delete(user);
      this.userListener?.(user, false);
    }
  }

  delete(session: Session): void {
    this.all.delete(session);
    const user = session.user;
    if (user !== undefined) this.unindex(session, user);
  }

  /** Sessions of one user on this node. */
  ofUser(user: string): Session[] {
    return [...(this.byUser.get(user) ?? [])];
  }

  /** Number of distinct authenticated users on this node. */
  get users(): number {
    return this.byUser.size;
  }
}
