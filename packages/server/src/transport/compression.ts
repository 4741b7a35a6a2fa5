/**
 * permessage-deflate (RFC 7692) for the WebSocket endpoints that turn it on
 * (`server.compression`, `endpoints[].compression`; parameters in `compression`).
 *
 * The server always negotiates `server_no_context_takeover` and a fixed `server_max_window_bits`,
 * so each message it sends is compressed on its own: an event is then compressed **once** and the
 * same bytes go to every socket that negotiated the extension, as the plain path frames an event
 * once. Memory stays bounded: no per-socket compression window is kept between messages, the
 * client's window is capped at `windowBits` too, and at most `concurrencyLimit` zlib jobs run at
 * once per process (the `ws` library's queue). An inflated message larger than
 * `limits.maxFrameBytes` closes the connection with 1009, as an uncompressed one does.
 */
import { constants, deflateRawSync } from "node:zlib";
import type { PerMessageDeflateOptions } from "ws";
import type { CompressionConfig } from "./compression-config.js";

/** The `ws` server option for an endpoint with compression on. */
export function perMessageDeflate(c: CompressionConfig): PerMessageDeflateOptions {
  return {
    serverNoContextTakeover: true,
    serverMaxWindowBits: c.windowBits,
    clientMaxWindowBits: c.windowBits,
    threshold: c.threshold,
    concurrencyLimit: c.concurrencyLimit,
    zlibDeflateOptions: { level: c.level, memLevel: c.memLevel },
  };
}

/**
 * A final, compressed (RSV1) WebSocket text frame of `payload`, valid for any connection that
 * negotiated this server's parameters; an uncompressed frame below the threshold. `frame` builds
 * the uncompressed one.
 */
export function deflatedFrame(payload: Buffer, c: CompressionConfig, frame: (p: Buffer) => Buffer): Buffer {
  if (payload.length < c.threshold) return frame(payload);
  const z = deflateRawSync(payload, {
    level: c.level,
    memLevel: c.memLevel,
    windowBits: c.windowBits,
    finishFlush: constants.Z_SYNC_FLUSH,
  });
  const out = frame(z.subarray(0, z.length - 4)); // without the 00 00 ff ff a sync flush ends with
  out[0] = 0xc1; // FIN + RSV1 (compressed) + text
  return out;
}
