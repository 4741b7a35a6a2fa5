/**
 * Dead letters: events that a source handed to Herald and that the publish path then refused.
 *
 * Contract (every implementation): `add` resolves only once the entry is kept, so a connector
 * may commit its source checkpoint after it; entries are listed oldest first; `remove` deletes
 * exactly the given ids (after a successful replay). Nothing a source sent is dropped silently:
 * it is either published, a duplicate of a published event, or here.
 * A synchronous HTTP publish is never dead-lettered: its caller gets the error instead.
 */
import type { PublishRequest } from "../engine/broker.js";

export interface DeadLetterInput {
  /** The source (connector name, `api`, …) the event came from. */
  source: string;
  /** The stage of the publish path that refused it, e.g. `verify`, `validate`, `acl`. */
  stage: string;
  /** The stable error code of the refusal, e.g. `bad_signature`. */
  code: string;
  /** The refusal's message. */
  reason: string;
  /** The event as the source offered it, before any stage changed it. */
  request: PublishRequest;
}

export interface DeadLetter extends DeadLetterInput {
  /** Unique, increasing in the order entries were added. */
  id: string;
  /** When it was added, milliseconds since the Unix epoch. */
  at: number;
}

export interface DeadLetterQuery {
  /** Only entries after this id. */
  after?: string;
  /** Only entries of this source. */
  source?: string;
  /** At most this many, oldest first. */
  limit: number;
}

export interface DeadLetterStore {
  add(entry: DeadLetterInput): Promise<DeadLetter>;
  list(query: DeadLetterQuery): Promise<DeadLetter[]>;
  get(id: string): Promise<DeadLetter | undefined>;
  /** Deletes the given ids; resolves to how many existed. */
  remove(ids: readonly string[]): Promise<number>;
  count(): Promise<number>;
}
