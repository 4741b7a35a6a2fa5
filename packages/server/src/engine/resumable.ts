/**
 * Resumable sessions: what a disconnected Socket.IO session had (who, which subscriptions since
 * which position), kept in the engine under the session's private id (`pid`) so the client can
 * resume it on any node for `socketio.recovery.windowMs` after it was cut off.
 *
 * Contract (every implementation passes `test/suites/resumable.suite.ts` unchanged):
 * - A record belongs to one owner (the Herald session holding it). `save`, `touch` and `remove`
 *   act only when the record is absent or held by the same owner, so a node that notices a
 *   drop late can never overwrite a session another node has resumed meanwhile.
 * - `claim` hands the record to a new owner atomically and returns its state; a record expired
 *   (its time to live ran out without `save` or `touch`) is gone and cannot be claimed.
 */
import type { Principal } from "../auth/principal.js";

/** One subscription of a resumable session and where it started. */
export interface ResumableSubscription {
  /** Topic or pattern. */
  name: string;
  pattern: boolean;
  /** Started after this topic `seq` (exact topic) or stream `offset` (pattern). */
  from: number;
  /** Topic epoch the `from` seq belongs to (exact topics). */
  epoch?: string;
  /** Subscribed with `presence: true` (receives join/leave). */
  presence?: boolean;
  /** Presence metadata given at subscribe. */
  meta?: unknown;
}

/** What a session needs to be resumed exactly. */
export interface ResumableState {
  principal: Principal;
  /** Stream epoch of the node's log when the session started; another epoch cannot resume. */
  streamEpoch: string;
  /** Stream offset after which the implicit subscriptions (broadcast, personal topic) began. */
  implicitFrom: number;
  /** Stream offset after which the personal topic began (it may start later, at `authenticate`). */
  personalFrom?: number;
  subscriptions: ResumableSubscription[];
}

export interface ResumableSessions {
  /** Writes `state` for `pid` with a time to live, unless another owner holds it. Resolves whether it wrote. */
  save(pid: string, owner: string, state: ResumableState, ttlMs: number): Promise<boolean>;
  /** Hands `pid` to `owner` (time to live `ttlMs`) and returns its state; `undefined` when absent or expired. */
  claim(pid: string, owner: string, ttlMs: number): Promise<ResumableState | undefined>;
  /** Extends the time to live of the records still held by their owners (live sessions). */
  touch(entries: ReadonlyArray<{ pid: string; owner: string }>, ttlMs: number): Promise<void>;
  /** Deletes `pid` if `owner` holds it (a session that ended for good). */
  remove(pid: string, owner: string): Promise<void>;
  close(): Promise<void>;
}
