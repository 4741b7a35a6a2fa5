/**
 * A state topic's document: top-level keys, each with the HLC stamp of the write that last
 * won it. Applying the same events in any order gives the same document (per-key
 * last-write-wins); the server and clients use this same function.
 */
import { mergePatch } from "./merge-patch.js";

/** The `data` of every event on a state topic. */
export interface StateDelta {
  /** A JSON Merge Patch (RFC 7396) over the document, applied key by key. */
  patch: Record<string, unknown>;
  /** Hybrid logical clock stamp of the write. */
  hlc: string;
}

export interface StateDocument {
  state: Record<string, unknown>;
  clocks: Record<string, string>;
}

export function isStateDelta(v: unknown): v is StateDelta {
  if (typeof v !== "object" || v === null) return false;
  const d = v as Partial<StateDelta>;
  return typeof d.hlc === "string" && typeof d.patch === "object" && d.patch !== null && !Array.isArray(d.patch);
}

/**
 * Applies one delta: each top-level key of the patch is merged into the document when the
 * delta's stamp is newer than the key's, and ignored otherwise. Mutates `doc`.
 */
export function applyDelta(doc: StateDocument, delta: StateDelta): void {
  for (const [key, value] of Object.entries(delta.patch)) {
    if (key === "__proto__") continue;
    const clock = doc.clocks[key];
    if (clock !== undefined && clock >= delta.hlc) continue;
    doc.clocks[key] = delta.hlc;
    if (value === null) delete doc.state[key];
    else doc.state[key] = mergePatch(doc.state[key], value);
  }
}
