/**
 * The pure half of resuming a session (`Session.prepareResume`, Socket.IO connection state
 * recovery): which recovered events a resumed connection missed, and the order it receives them
 * in when its held subscriptions go live. All or nothing: never a partial list.
 */
import { BROADCAST_TOPIC, type HeraldEvent, personalTopic, type StreamPosition } from "@herald/protocol";
import { eventFrame } from "./engine/broker.js";
import type { ResumableState } from "./engine/resumable.js";
import { OutboundEvent } from "./hub/outbound.js";

/** A subscription held (not live) while its gap is read. */
export interface HeldSubscription {
  sub: { readonly pattern: boolean; pending: OutboundEvent[] | undefined; firstSent: number };
  /** The stream offset the gap was read after. */
  from: number;
  /** Whether a read event belongs to the subscription; `undefined`: it cannot be exact (another epoch). */
  keep: (e: HeraldEvent) => boolean | undefined;
}

/** A subscription to re-create, and from where its gap is read. */
export interface PlannedSubscription {
  name: string;
  pattern: boolean;
  /** `broadcast` or the personal topic. */
  internal: boolean;
  from: number;
  keep: HeldSubscription["keep"];
  presence?: boolean;
}

/**
 * The subscriptions of a resumed session: the saved ones, then the implicit ones (unless an
 * explicit subscription replaced one). Each gap is read after the client's offset `after`
 * and after where the subscription began.
 */
export function resumePlan(state: ResumableState, after: number): PlannedSubscription[] {
  const start = Math.max(after, state.implicitFrom);
  const plan: PlannedSubscription[] = state.subscriptions.map((s) => {
    // An exact topic began after a seq of its epoch; another epoch means its history was lost.
    const keep = s.pattern ? () => true : (e: HeraldEvent) => (e.epoch === s.epoch ? e.seq > s.from : undefined);
    const p: PlannedSubscription = {
      name: s.name,
      pattern: s.pattern,
      internal: false,
      from: s.pattern ? Math.max(after, s.from) : start,
      keep,
    };
    if (s.presence === true) p.presence = true;
    return p;
  });
  const implicit: Array<[string, number]> = [[BROADCAST_TOPIC, start]];
  if (!state.principal.anonymous) {
    implicit.push([personalTopic(state.principal.user), Math.max(after, state.personalFrom ?? state.implicitFrom)]);
  }
  for (const [name, from] of implicit) {
    if (!plan.some((p) => p.name === name)) plan.push({ name, pattern: false, internal: true, from, keep: () => true });
  }
  return plan;
}

/** One stream read per held subscription. */
export interface GapRead {
  events: HeraldEvent[];
  recovered: boolean;
  position: StreamPosition;
}

/** A missed event and whether it came through a pattern (whose events the ACL checks per topic). */
export interface Missed {
  out: OutboundEvent;
  pattern: boolean;
}

/** The missed events by stream offset, each once; `undefined` when any read cannot be exact. */
export function missedEvents(
  held: readonly HeldSubscription[],
  reads: readonly GapRead[],
): Map<number, Missed> | undefined {
  const missed = new Map<number, Missed>();
  for (const [i, h] of held.entries()) {
    const r = reads[i] as GapRead;
    if (!r.recovered) return undefined;
    for (const e of r.events) {
      const keep = h.keep(e);
      if (keep === undefined) return undefined;
      if (keep && !missed.has(e.offset))
        missed.set(e.offset, { out: new OutboundEvent(e, eventFrame(e)), pattern: h.sub.pattern });
    }
  }
  return missed;
}

/**
 * Makes the held subscriptions live: adds the live events they held after their read to the
 * missed ones, and returns everything in stream order, each event once.
 */
export function goLive(
  held: readonly HeldSubscription[],
  reads: readonly GapRead[],
  missed: Map<number, Missed>,
): Missed[] {
  for (const [i, h] of held.entries()) {
    const position = (reads[i] as GapRead).position.offset;
    for (const out of h.sub.pending ?? []) {
      if (out.event.offset > position && !missed.has(out.event.offset))
        missed.set(out.event.offset, { out, pattern: h.sub.pattern });
    }
    h.sub.pending = undefined;
    // From here on the subscription sends every matching event (see `Subscription.covers`).
    h.sub.firstSent = Math.min(h.sub.firstSent, h.from + 1);
  }
  return [...missed.keys()].sort((a, b) => a - b).map((offset) => missed.get(offset) as Missed);
}
