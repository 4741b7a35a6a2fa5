/**
 * Content announced on IPFS pubsub: the announcement, the block fetched by CID, the check that
 * the bytes are the ones the CID names, and the signed document inside.
 *
 * Only single-block content is accepted (a raw block, or a dag-pb UnixFS file without links),
 * so that the whole content is verified against its CID before anything reads it; content
 * larger than one block is refused rather than trusted on a partial check.
 */
import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import { CID } from "multiformats/cid";
import { identity } from "multiformats/hashes/identity";
import { sha256 } from "multiformats/hashes/sha2";

const RAW = 0x55;
const DAG_PB = 0x70;

/** A refusal of announced content, with the stable code its dead letter carries. */
export class ContentError extends Error {
  constructor(
    readonly code: "bad_request" | "content_unavailable" | "content_mismatch" | "payload_too_large",
    message: string,
  ) {
    super(message);
  }
}

/** Reads the CID of an announcement: a bare CID string, or JSON `{cid}` (also `ipfs_hash`, `hash`). */
export function announcedCid(data: Uint8Array): CID {
  const text = new TextDecoder().decode(data).trim();
  let candidate: unknown = text;
  if (text.startsWith("{")) {
    try {
      const o = JSON.parse(text) as Record<string, unknown>;
      candidate = o.cid ?? o.ipfs_hash ?? o.hash;
    } catch {
      throw new ContentError("bad_request", "the announcement is neither a CID nor JSON with a cid field");
    }
  }
  if (typeof candidate !== "string") throw new ContentError("bad_request", "the announcement names no CID");
  try {
    return CID.parse(candidate);
  } catch {
    throw new ContentError("bad_request", `"${candidate.slice(0, 100)}" is not a CID`);
  }
}

/** Checks that `bytes` hash to `cid`'s multihash (sha2-256 or identity). */
export async function verifyBlock(cid: CID, bytes: Uint8Array): Promise<void> {
  const code = cid.multihash.code;
  const hasher = code === sha256.code ? sha256 : code === identity.code ? identity : undefined;
  if (!hasher) throw new ContentError("content_mismatch", `hash function 0x${code.toString(16)} is not supported`);
  const digest = await hasher.digest(bytes);
  const a = digest.digest;
  const b = cid.multihash.digest;
  if (a.length !== b.length || !a.every((x, i) => x === b[i])) {
    throw new ContentError("content_mismatch", `the bytes served for ${cid} do not hash to it`);
  }
}

/** The file bytes of a verified single block. */
export function blockContent(cid: CID, bytes: Uint8Array): Uint8Array {
  if (cid.code === RAW) return bytes;
  if (cid.code === DAG_PB) {
    const node = dagPb.decode(bytes);
    if (node.Links.length > 0) {
      throw new ContentError("payload_too_large", `${cid} spans several blocks; only single-block content is accepted`);
    }
    if (!node.Data) throw new ContentError("bad_request", `${cid} holds no data`);
    const fs = UnixFS.unmarshal(node.Data);
    if (fs.type !== "file" && fs.type !== "raw")
      throw new ContentError("bad_request", `${cid} is a ${fs.type}, not a file`);
    return fs.data ?? new Uint8Array();
  }
  throw new ContentError("bad_request", `codec 0x${cid.code.toString(16)} is not a file`);
}

/** The signed document a crawler stores: the content and its signature's provenance. */
export interface SignedContent {
  data: unknown;
  publisher?: string;
  kid?: string;
  sig?: string;
}

/**
 * Reads the document: `{"content": {...}, "publisher", "kid", "sig"}` — the signature covers
 * `content` (verified by the pipeline's verify stage) — or any other JSON value, unsigned.
 */
export function parseDocument(bytes: Uint8Array): SignedContent {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new ContentError("bad_request", "the content is not UTF-8 JSON");
  }
  if (typeof doc === "object" && doc !== null && !Array.isArray(doc) && "content" in doc) {
    const d = doc as Record<string, unknown>;
    const out: SignedContent = { data: d.content };
    if (typeof d.publisher === "string") out.publisher = d.publisher;
    if (typeof d.kid === "string") out.kid = d.kid;
    if (typeof d.sig === "string") out.sig = d.sig;
    return out;
  }
  return { data: doc };
}
