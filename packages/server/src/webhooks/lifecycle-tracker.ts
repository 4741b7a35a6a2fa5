/**
 * This node's side of the lifecycle events: it hears the hub (a topic's first and last client
 * subscription here), the sessions (a user's first and last connection here) and presence
 * joins and leaves, and tells the lifecycle log when this node starts or stops holding a key.
 * Whether the cluster as a whole changed — and so whether an event is sent — the log decides.
 */
import type { Logger } from "../log.js";
import { EVENT_NAMES, type LifecycleEventName, type LifecycleFields, type LifecycleKind } from "./lifecycle-event.js";
import type { LifecycleLog } from "./lifecycle-log.js";

export class LifecycleTracker {
  /** Presence members on this node: `topic \0 subject` → connections. */
  private readonly members = new Map<string, number>();
  /** Keys this node holds, with their events (held again if the cluster took this node for dead). */
  private readonly held = new Map<string, [LifecycleFields, LifecycleFields]>();
  private readonly kinds: ReadonlySet<LifecycleKind>;
  private readonly wanted: ReadonlySet<LifecycleEventName>;
  private readonly pending = new Set<Promise<void>>();
  /** A change could not be recorded (the log's Redis failed): `reconcile` must run. */
  dirty = false;

  constructor(
    private readonly log: LifecycleLog,
    events: readonly LifecycleEventName[],
    private readonly logger: Logger,
  ) {
    const wanted = new Set(events);
    this.wanted = wanted;
    this.kinds = new Set(
      (Object.keys(EVENT_NAMES) as LifecycleKind[]).filter(
        (k) => wanted.has(EVENT_NAMES[k].up) || wanted.has(EVENT_NAMES[k].down),
      ),
    );
  }

  /** A topic got its first client subscription on this node, or lost its last one. */
  channel(topic: string, occupied: boolean): void {
    if (!this.kinds.has("channel")) return;
    this.change(`channel|${topic}`, occupied, { name: "channel_occupied", topic }, { name: "channel_vacated", topic });
  }

  /** A connection joined a presence topic, or left it (`user` absent for an anonymous one). */
  member(topic: string, user: string | undefined, client: string, joined: boolean): void {
    if (!this.kinds.has("member")) return;
    const subject = user ?? `~${client}`;
    const local = `${topic}\u0000${subject}`;
    const n = (this.members.get(local) ?? 0) + (joined ? 1 : -1);
    if (n < 0) return;
    if (n === 0) this.members.delete(local);
    else this.members.set(local, n);
    if (n > 1 || (n === 1 && !joined)) return; // only this node's first join and last leave count
    const who = user !== undefined ? { user } : { client };
    this.change(
      `member|${topic}|${subject}`,
      joined,
      { name: "member_added", topic, ...who },
      { name: "member_removed", topic, ...who },
    );
  }

  /** A user's first connection on this node, or its last one gone. */
  user(user: string, connected: boolean): void {
    if (!this.kinds.has("user")) return;
    this.change(`user|${user}`, connected, { name: "user_connected", user }, { name: "user_disconnected", user });
  }

  /** An event that is not about holding (alerts, analysis sessions), if wanted. */
  announce(fields: LifecycleFields): void {
    if (this.wanted.has(fields.name)) this.track(this.log.append(fields));
  }

  private change(key: string, up: boolean, upFields: LifecycleFields, downFields: LifecycleFields): void {
    if (up) this.held.set(key, [upFields, downFields]);
    else this.held.delete(key);
    this.track(this.log.hold(key, up, upFields, downFields));
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch((err) => {
      this.dirty = true;
      this.logger.warn({ err }, "webhook lifecycle change not recorded; reconciled at the next mark");
    });
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  /**
   * Makes the log's record of what this node holds equal what it holds, whatever was lost on
   * the way (changes that failed while Redis was down or stalled, holdings another node let go
   * while this one was taken for gone): lets go of keys recorded but no longer held, holds keys
   * held but not recorded. Holds are idempotent, so a failed change Redis ran after all is not
   * counted twice; the transitions in between are not replayed, the end state and its events are.
   */
  async reconcile(): Promise<void> {
    this.dirty = false;
    const recorded = await this.log.holdings();
    // Compared with `held` as it is now, after the read: changes made meanwhile were sent before
    // these, and holding again what is held (or letting go what is gone) is a no-op.
    for (const [key, down] of recorded) {
      if (!this.held.has(key)) this.track(this.log.hold(key, false, down, down));
    }
    for (const [key, [u, d]] of this.held) if (!recorded.has(key)) this.track(this.log.hold(key, true, u, d));
    await this.settled();
  }

  /** Resolves once every change made so far is recorded. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
