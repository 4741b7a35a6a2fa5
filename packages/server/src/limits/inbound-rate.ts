/**
 * The inbound frame rate of one connection: a token bucket checked before a frame is parsed.
 * A frame over the rate is dropped and answered with `rate_limited`; a client that keeps
 * going (`rateLimitStrikes` refused frames without pausing long enough for the bucket to
 * refill) is closed with 4003.
 */
import { CloseCode } from "@herald/protocol";
import type { LimitsConfig } from "../config-types.js";
import { TokenBucket } from "./token-bucket.js";

/** What a transport needs of a session to enforce the rate. */
export interface RateLimitedPeer {
  error(code: "rate_limited", message: string, id?: string): void;
  close(code: number, reason: string): void;
  /** Closes after the frames already admitted were answered (a session); `close` when absent. */
  closeWhenSettled?(code: number, reason: string): void;
}

export class InboundRate {
  private readonly bucket: TokenBucket | undefined;
  private strikes = 0;

  constructor(
    private readonly limits: Pick<LimitsConfig, "inboundFramesPerSecond" | "inboundFrameBurst" | "rateLimitStrikes">,
    now: () => number = Date.now,
  ) {
    this.bucket =
      limits.inboundFramesPerSecond > 0
        ? new TokenBucket(limits.inboundFramesPerSecond, limits.inboundFrameBurst, now)
        : undefined;
  }

  /** `ok`, `limited` (drop the frame) or `close` (too many strikes). */
  admit(): "ok" | "limited" | "close" {
    if (this.bucket === undefined) return "ok";
    // A client that stayed quiet until its bucket refilled starts again with no strikes.
    if (this.strikes > 0 && this.bucket.full) this.strikes = 0;
    if (this.bucket.take()) return "ok";
    return ++this.strikes >= this.limits.rateLimitStrikes ? "close" : "limited";
  }

  /**
   * Admits a frame or answers the peer; true when the frame may be handled. `idOf` reads the
   * dropped frame's request id (only when it is dropped) so the client knows which request failed.
   */
  admitFrom(peer: RateLimitedPeer, idOf?: () => string | undefined): boolean {
    const verdict = this.admit();
    if (verdict === "ok") return true;
    if (verdict === "close") {
      // Frames admitted before this one are still being handled: their acks go out first.
      const reason = "inbound frame rate exceeded repeatedly";
      if (peer.closeWhenSettled !== undefined) peer.closeWhenSettled(CloseCode.rateLimited, reason);
      else peer.close(CloseCode.rateLimited, reason);
    } else {
      const rate = this.limits.inboundFramesPerSecond;
      peer.error(
        "rate_limited",
        `more than ${rate} frames per second; frame dropped (retry in ${this.retryAfterMs} ms)`,
        idOf?.(),
      );
    }
    return false;
  }

  get retryAfterMs(): number {
    return this.bucket?.retryAfterMs ?? 0;
  }
}

const ID_FIELD = /"id"\s*:\s*(?:"((?:[^"\\]){1,128})"|(-?\d{1,16})[,}\s])/;

/**
 * The request id of a raw frame that is dropped unparsed: read from the frame's top level
 * before any nested object or array (where an `"id"` could belong to the data), at most 512
 * bytes in. `undefined` when it cannot be read cheaply and unambiguously.
 */
export function requestIdOf(frame: Buffer): string | undefined {
  const head = frame.toString("latin1", 0, Math.min(frame.length, 512));
  let end = head.length;
  for (let i = 1; i < head.length; i++) {
    const c = head.charCodeAt(i);
    if (c === 123 /* { */ || c === 91 /* [ */) {
      end = i;
      break;
    }
  }
  const m = ID_FIELD.exec(head.slice(0, end + 1));
  return m === null ? undefined : (m[1] ?? m[2]);
}
