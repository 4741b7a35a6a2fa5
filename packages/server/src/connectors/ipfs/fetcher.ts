/**
 * Where announced blocks are fetched from: a Kubo node's RPC (`block/stat`, `block/get`) or a
 * trustless HTTP gateway (`/ipfs/{cid}?format=raw`). Either way the connector checks the bytes
 * against the CID, so neither has to be trusted.
 */
import type { KuboRPCClient } from "kubo-rpc-client";
import type { CID } from "multiformats/cid";
import { ContentError } from "./content.js";

export interface BlockFetcher {
  /** The block's bytes; `ContentError` when it cannot be had or is larger than `maxBytes`. */
  get(cid: CID, maxBytes: number, signal: AbortSignal): Promise<Uint8Array>;
}

function unavailable(cid: CID, err: unknown): ContentError {
  if (err instanceof ContentError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ContentError("content_unavailable", `${cid}: ${message.slice(0, 300)}`);
}

/** Through a Kubo node's RPC API. */
export class KuboBlockFetcher implements BlockFetcher {
  constructor(private readonly client: KuboRPCClient) {}

  async get(cid: CID, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
    try {
      const stat = await this.client.block.stat(cid, { signal });
      if (stat.size > maxBytes) {
        throw new ContentError("payload_too_large", `${cid} is ${stat.size} bytes; at most ${maxBytes} are fetched`);
      }
      const bytes = await this.client.block.get(cid, { signal });
      if (bytes.byteLength > maxBytes) {
        throw new ContentError("payload_too_large", `${cid} is larger than ${maxBytes} bytes`);
      }
      return bytes;
    } catch (err) {
      throw unavailable(cid, err);
    }
  }
}

/** Through a trustless gateway (IPIP-402 `application/vnd.ipld.raw`), reading at most `maxBytes`. */
export class GatewayBlockFetcher implements BlockFetcher {
  constructor(private readonly base: string) {}

  async get(cid: CID, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
    try {
      const res = await fetch(`${this.base.replace(/\/$/, "")}/ipfs/${cid}?format=raw`, {
        headers: { accept: "application/vnd.ipld.raw" },
        signal,
      });
      if (!res.ok || !res.body) throw new Error(`gateway answered ${res.status}`);
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += chunk.byteLength;
        if (size > maxBytes) {
          await res.body.cancel().catch(() => {});
          throw new ContentError("payload_too_large", `${cid} is larger than ${maxBytes} bytes`);
        }
        chunks.push(chunk);
      }
      return Buffer.concat(chunks);
    } catch (err) {
      throw unavailable(cid, err);
    }
  }
}
