/**
 * One event on its way out, serialised once. Every transport takes the shared bytes it needs
 * from here (the native frame, or its own cached form via `memo`), so an event reaching ten
 * thousand sockets is stringified and encoded once, not ten thousand times.
 */
import type { HeraldEvent } from "@herald/protocol";

export class OutboundEvent {
  private bytes: Buffer | undefined;
  private memos: Map<string, unknown> | undefined;

  constructor(
    readonly event: HeraldEvent,
    /** The native `event` frame as JSON text. */
    readonly json: string,
  ) {}

  /** The native frame as UTF-8 bytes, encoded on first use. */
  get buffer(): Buffer {
    this.bytes ??= Buffer.from(this.json);
    return this.bytes;
  }

  /** A transport-specific serialisation, built once per event under `key`. */
  memo<T>(key: string, build: (event: HeraldEvent, json: string) => T): T {
    this.memos ??= new Map();
    let v = this.memos.get(key) as T | undefined;
    if (v === undefined) {
      v = build(this.event, this.json);
      this.memos.set(key, v);
    }
    return v;
  }
}
