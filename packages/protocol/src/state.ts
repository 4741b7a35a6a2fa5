/**
 * State topics on the wire (docs/storage.md): the `data` of every event on a state topic is a
 * `StateDelta`; a subscribe ack carries `state` and `clocks`. `applyDelta` is the one rule the
 * server and every client use, so they all hold the same document.
 */
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** JSON Merge Patch (RFC 7396): returns `target` with `patch` applied (`null` deletes a member, an object merges, anything else replaces); neither argument is modified. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === "__proto__") continue;
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

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
