/**
 * Write coalescing: the first write to a socket in an event-loop turn corks it, and one
 * `setImmediate` per turn uncorks every socket written to, so the frames queued for one socket
 * in a turn leave in one `writev` syscall instead of one syscall each. At low rates this adds
 * no timer delay: the uncork runs right after the current I/O phase.
 */
import type { Socket } from "node:net";

let pending: Corker[] = [];
let scheduled = false;

function flush(): void {
  const list = pending;
  pending = [];
  scheduled = false;
  for (const c of list) {
    c.corked = false;
    if (!c.socket.destroyed) c.socket.uncork();
  }
}

/** Per-socket coalescing state. */
export class Corker {
  corked = false;

  constructor(readonly socket: Socket) {}

  /** Corks the socket until the end of this turn (once per turn). */
  hold(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    pending.push(this);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }
}
