/** JSON Merge Patch (RFC 7396); lives in the protocol package so clients apply it the same way. */
export { mergePatch } from "@herald/protocol";
