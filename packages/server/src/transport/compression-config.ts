/**
 * Options of permessage-deflate (`compression`), for the WebSocket endpoints that turn it on
 * (`server.compression`, `endpoints[].compression`). How it works: transport/compression.ts.
 */
export interface CompressionConfig {
  /** Messages smaller than this (bytes, uncompressed) are sent uncompressed. @default 1024 */
  threshold: number;
  /** LZ77 window of both directions, 9–15 (memory per zlib job: about 2^(windowBits+2) bytes). @default 12 */
  windowBits: number;
  /** zlib memory level, 1–9 (about 2^(memLevel+9) bytes per job). @default 7 */
  memLevel: number;
  /** zlib compression level, 1 (fastest) – 9 (smallest). @default 6 */
  level: number;
  /** Most zlib jobs (per-socket control frames, inflating client frames) at once. @default 10 */
  concurrencyLimit: number;
}

export const COMPRESSION_DEFAULTS: CompressionConfig = {
  threshold: 1024,
  windowBits: 12,
  memLevel: 7,
  level: 6,
  concurrencyLimit: 10,
};

const int = (min: number, max: number) => ({ type: "integer", minimum: min, maximum: max }) as const;

/** The schema of `compression` (config-schema.ts). */
export const compressionSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    threshold: int(0, 1_073_741_824),
    windowBits: int(9, 15),
    memLevel: int(1, 9),
    level: int(1, 9),
    concurrencyLimit: int(1, 10_000),
  },
} as const;
