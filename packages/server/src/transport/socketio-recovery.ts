/**
 * Socket.IO connection state recovery on Herald's history, for unchanged `socket.io-client`
 * (≥ 4.6) code. See docs/transports.md.
 *
 * The client keeps two things Socket.IO gives it: a private session id (`pid`, sent in the
 * CONNECT answer) and the last string argument of the last event it handled (`offset`); it
 * sends both in the CONNECT packet of every reconnection. Herald makes that offset the event's
 * stream offset (the same for every client, so an event is still encoded once), and keeps what
 * the session had — who, which subscriptions since which position — in the engine under the
 * `pid`, so any node can resume it: the missed events come from the stream log, in order, once,
 * and the client sees `socket.recovered === true`. When that cannot be exact (the window ran
 * out, the log no longer holds the gap, another epoch, another user) the client gets a fresh
 * session, `recovered === false`, nothing partial, and the configured `resyncEvent`.
 */
import { randomBytes } from "node:crypto";
import type { ClientFrame, ServerFrame, SubscribeAck } from "@herald/protocol";
import { CloseCode } from "@herald/protocol";
import { isExpired } from "../auth/expiry.js";
import type { Principal } from "../auth/principal.js";
import type { GatewayCore } from "../core.js";
import type { ResumableState, ResumableSubscription } from "../engine/resumable.js";
import type { Session } from "../session.js";
import type { Answer } from "./answer.js";

/** Socket.IO disconnect reasons after which the client reconnects on its own (Socket.IO's list). */
const RECOVERABLE = new Set([
  "transport error",
  "transport close",
  "forced close",
  "ping timeout",
  "server shutting down",
  "forced server close",
]);

/** A new private session id: 144 random bits, never shown to other clients. */
export function newPid(): string {
  return randomBytes(18).toString("base64url");
}

/** Reads the offset a client echoes (a decimal stream offset); -1 when absent or malformed. */
export function parseOffset(raw: unknown): number {
  if (typeof raw !== "string" || !/^\d{1,16}$/.test(raw)) return -1;
  return Number(raw);
}

/** Why a resume was refused, sent with the `resyncEvent`. */
export type ResyncReason = "unknown_session" | "not_recoverable" | "user_changed";

/**
 * What one Socket.IO session would need to be resumed, kept up to date from the frames the
 * session sends (welcome, subscribe and unsubscribe answers).
 */
export class ResumeTracker {
  private epoch: string | undefined;
  private implicitFrom = 0;
  private personalFrom: number | undefined;
  private personalUser: string | undefined;
  private readonly subs = new Map<string, ResumableSubscription>();
  /** Closed by the server with a code after which the client may resume (shutdown). */
  resumableClose = false;

  constructor(
    readonly pid: string,
    resumed?: ResumableState,
  ) {
    if (resumed === undefined) return;
    this.epoch = resumed.streamEpoch;
    this.implicitFrom = resumed.implicitFrom;
    this.personalFrom = resumed.personalFrom;
    if (!resumed.principal.anonymous) this.personalUser = resumed.principal.user;
    for (const s of resumed.subscriptions) this.subs.set(s.name, s);
  }

  /**
   * Follows one frame the session sends (its `welcome`); `dispatched` is the node's dispatched
   * stream offset. Returns true when what a resume needs changed (the caller saves it).
   */
  follow(frame: ServerFrame, user: string | undefined, dispatched: number): boolean {
    if (frame.type !== "welcome") return false;
    this.epoch = frame.epoch;
    this.implicitFrom = dispatched;
    this.followUser(user, dispatched);
    return true;
  }

  /** Follows the session's answer to one request; true when what a resume needs changed. */
  answered(request: ClientFrame, answer: Answer, user: string | undefined, dispatched: number): boolean {
    if (answer.kind !== "ack") return false;
    switch (request.type) {
      case "auth":
      case "refresh":
        // The principal (user, expiry) may have changed.
        this.followUser(user, dispatched);
        return true;
      case "unsubscribe":
        return this.subs.delete(request.topic);
      case "subscribe":
        break;
      default:
        return this.followUser(user, dispatched);
    }
    // The answer's position is where the subscription started: `seq` of a topic, `offset` of a pattern.
    const ack = answer.ack as SubscribeAck;
    const pattern = ack.offset !== undefined;
    const sub: ResumableSubscription = {
      name: request.topic,
      pattern,
      from: Number(pattern ? ack.offset : ack.seq),
    };
    if (!pattern) sub.epoch = ack.epoch;
    if (request.presence === true) sub.presence = true;
    if (request.meta !== undefined) sub.meta = request.meta;
    this.subs.set(request.topic, sub);
    return true;
  }

  /** The personal topic starts when a user is first bound (at welcome or a later `authenticate`). */
  private followUser(user: string | undefined, dispatched: number): boolean {
    if (user === this.personalUser) return false;
    this.personalUser = user;
    this.personalFrom = dispatched;
    return true;
  }

  /** The state to save for `principal`; undefined before the session has one and a welcome. */
  state(principal: Principal | undefined): ResumableState | undefined {
    if (principal === undefined || this.epoch === undefined) return undefined;
    const state: ResumableState = {
      principal: { ...principal },
      streamEpoch: this.epoch,
      implicitFrom: this.implicitFrom,
      subscriptions: [...this.subs.values()],
    };
    if (this.personalFrom !== undefined) state.personalFrom = this.personalFrom;
    return state;
  }

  /** Whether a disconnect for `reason` leaves the session resumable. */
  resumableAfter(reason: string): boolean {
    return this.resumableClose || RECOVERABLE.has(reason);
  }
}

/** The engine side of recovery for one Socket.IO endpoint: saving, refreshing, claiming. */
export class SocketIoRecovery {
  private readonly timer: NodeJS.Timeout;
  private readonly live = new Map<string, { pid: string; owner: string }>();

  constructor(private readonly core: GatewayCore) {
    // Live sessions' records are refreshed well within the window, so a client whose drop the
    // node has not noticed yet (or whose node died) can still resume elsewhere.
    this.timer = setInterval(() => this.refresh(), Math.max(50, Math.floor(this.windowMs / 4)));
    this.timer.unref();
  }

  get windowMs(): number {
    return this.core.config.socketio.recovery.windowMs;
  }

  /** Saves the session's state (fire and forget: a failed save only costs a later resume). */
  save(tracker: ResumeTracker, session: Session): void {
    const state = tracker.state(session.principal);
    if (state === undefined) return;
    this.live.set(session.id, { pid: tracker.pid, owner: session.id });
    this.core.engine.resumable
      .save(tracker.pid, session.id, state, this.windowMs)
      .catch((err) => this.core.log.warn({ err, session: session.id }, "saving a resumable session failed"));
  }

  /** The connection is gone: keep the state for the window, or drop it when the end was final. */
  disconnected(tracker: ResumeTracker, session: Session, reason: string): void {
    this.live.delete(session.id);
    if (tracker.resumableAfter(reason)) {
      this.save(tracker, session);
      this.live.delete(session.id);
      return;
    }
    this.core.engine.resumable
      .remove(tracker.pid, session.id)
      .catch((err) => this.core.log.warn({ err, session: session.id }, "removing a resumable session failed"));
  }

  /**
   * Tries to resume `pid` into `session` from the stream offset the client echoed. Resolves to
   * the function that delivers the missed events and goes live, or to the reason it cannot.
   */
  async resume(
    pid: string,
    offset: unknown,
    session: Session,
    principal: Principal | undefined,
  ): Promise<{ deliver: () => void; state: ResumableState } | { refused: ResyncReason }> {
    let state: ResumableState | undefined;
    try {
      state = await this.core.engine.resumable.claim(pid, session.id, this.windowMs);
    } catch (err) {
      this.core.log.warn({ err, session: session.id }, "claiming a resumable session failed");
    }
    if (state === undefined) return { refused: "unknown_session" };
    if (principal !== undefined) {
      // A handshake token decides who the client is; it must be the session's user.
      const was = state.principal;
      if (was.anonymous !== principal.anonymous || was.user !== principal.user) return { refused: "user_changed" };
      state = { ...state, principal };
    } else if (isExpired(state.principal)) {
      return { refused: "not_recoverable" };
    }
    const deliver = await session.prepareResume(state, parseOffset(offset));
    return deliver === undefined ? { refused: "not_recoverable" } : { deliver, state };
  }

  /** Marks a server-side close after which the client may still resume (shutdown). */
  static closedWith(tracker: ResumeTracker, code: number): void {
    if (code === CloseCode.goingAway) tracker.resumableClose = true;
  }

  private refresh(): void {
    if (this.live.size === 0) return;
    this.core.engine.resumable
      .touch([...this.live.values()], this.windowMs)
      .catch((err) => this.core.log.warn({ err }, "refreshing resumable sessions failed"));
  }

  close(): void {
    clearInterval(this.timer);
  }
}
