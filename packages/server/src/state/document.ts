/**
 * A state topic's document and the per-key last-write-wins rule. Defined in the protocol
 * package (`state.ts`), which clients share, so server and clients apply deltas identically.
 */
export { applyDelta, isStateDelta, type StateDelta, type StateDocument } from "@herald/protocol";
