/**
 * A local peer faithful to the parts of the Kubo RPC API that the IPFS connector uses, for
 * tests where no Kubo daemon can run. Pubsub is real: a js-libp2p gossipsub node receives what
 * other libp2p peers publish, and `/api/v0/pubsub/sub` streams it the way Kubo does —
 * newline-delimited JSON, one message per line, `data`, `seqno` and `topicIDs` multibase-encoded
 * (`u` + base64url, as Kubo does since 0.11), `from` the publisher's peer id; topics in `arg`
 * are multibase too. Blocks: `/api/v0/block/stat` (`{"Key","Size"}`), `/api/v0/block/get`
 * (raw bytes), and a trustless gateway route `GET /ipfs/{cid}?format=raw`. Errors are Kubo's
 * `{"Message","Code":0,"Type":"error"}` with status 500.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { type PubsubPeer, startPubsubPeer } from "../../src/connectors/ipfs/libp2p-node.js";

const mb = (bytes: Uint8Array) => `u${Buffer.from(bytes).toString("base64url")}`;
const unmb = (s: string) => {
  if (!s.startsWith("u")) throw new Error(`not multibase base64url: ${s}`);
  return Buffer.from(s.slice(1), "base64url");
};

export class KuboPeer {
  private readonly server: Server;
  private readonly blocks = new Map<string, Uint8Array>();
  private readonly streams = new Set<ServerResponse>();
  private readonly topics = new Map<string, Set<ServerResponse>>();
  private seq = 0n;
  node!: PubsubPeer;

  constructor() {
    this.server = createServer((req, res) => void this.route(req, res));
  }

  async start(): Promise<{ rpc: string; gateway: string }> {
    this.node = await startPubsubPeer();
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return { rpc: base, gateway: base };
  }

  /** Stores a raw block; returns its CIDv1. */
  async putRaw(bytes: Uint8Array): Promise<CID> {
    const cid = CID.createV1(raw.code, await sha256.digest(bytes));
    this.blocks.set(cid.toString(), bytes);
    return cid;
  }

  /** Stores a single-block UnixFS file (dag-pb, CIDv0 like `ipfs add`); `links` makes it multi-block. */
  async putFile(bytes: Uint8Array, links: CID[] = []): Promise<CID> {
    const data = new UnixFS({ type: "file", data: links.length ? undefined : bytes }).marshal();
    const block = dagPb.encode(dagPb.prepare({ Data: data, Links: links.map((l) => ({ Hash: l, Tsize: 10 })) }));
    const cid = CID.createV0(await sha256.digest(block));
    this.blocks.set(cid.toString(), block);
    return cid;
  }

  /** Serves `bytes` for `cid` although they do not hash to it (a lying peer). */
  serveWrong(cid: CID, bytes: Uint8Array): void {
    this.blocks.set(cid.toString(), bytes);
  }

  /** Ends every pubsub stream and forgets the subscriptions, as a Kubo restart does. */
  restart(): void {
    for (const res of this.streams) res.destroy();
    this.streams.clear();
    for (const set of this.topics.values()) set.clear();
    this.topics.clear();
  }

  async close(): Promise<void> {
    this.restart();
    await this.node.stop();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private fail(res: ServerResponse, message: string): void {
    res.writeHead(500, { "content-type": "application/json" });
    res.end(`${JSON.stringify({ Message: message, Code: 0, Type: "error" })}\n`);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const arg = url.searchParams.get("arg") ?? "";
    if (req.method === "GET" && url.pathname.startsWith("/ipfs/")) {
      const block = this.blocks.get(url.pathname.slice("/ipfs/".length));
      if (!block) return void res.writeHead(404).end("not found");
      return void res.writeHead(200, { "content-type": "application/vnd.ipld.raw" }).end(block);
    }
    if (req.method !== "POST") return void res.writeHead(405).end();
    switch (url.pathname) {
      case "/api/v0/pubsub/sub": {
        let topic: string;
        try {
          topic = unmb(arg).toString();
        } catch (err) {
          return this.fail(res, `URL arg must be multibase encoded: ${(err as Error).message}`);
        }
        res.writeHead(200, {
          "content-type": "application/json",
          "x-chunked-output": "1",
          "transfer-encoding": "chunked",
        });
        res.flushHeaders();
        this.streams.add(res);
        let listeners = this.topics.get(topic);
        if (!listeners) {
          listeners = new Set();
          this.topics.set(topic, listeners);
          const topicId = mb(Buffer.from(topic));
          this.node.subscribe(topic, (m) => {
            const seqno = Buffer.alloc(8);
            seqno.writeBigUInt64BE(++this.seq);
            const line = `${JSON.stringify({ from: m.from, data: mb(m.data), seqno: mb(seqno), topicIDs: [topicId] })}\n`;
            for (const out of this.topics.get(topic) ?? []) out.write(line);
          });
        }
        listeners.add(res);
        res.on("close", () => {
          this.streams.delete(res);
          const set = this.topics.get(topic);
          set?.delete(res);
          if (set?.size === 0) this.topics.delete(topic);
        });
        return;
      }
      case "/api/v0/pubsub/ls":
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end(`${JSON.stringify({ Strings: [...this.topics.keys()].map((t) => mb(Buffer.from(t))) })}\n`);
      case "/api/v0/block/stat":
      case "/api/v0/block/get": {
        let cid: CID;
        try {
          cid = CID.parse(arg);
        } catch {
          return this.fail(res, `invalid path "${arg}": invalid cid`);
        }
        const block = this.blocks.get(cid.toString());
        if (!block) return this.fail(res, `block was not found locally (offline): ipld: could not find ${cid}`);
        if (url.pathname.endsWith("stat")) {
          res.writeHead(200, { "content-type": "application/json" });
          return void res.end(`${JSON.stringify({ Key: cid.toString(), Size: block.byteLength })}\n`);
        }
        return void res.writeHead(200, { "content-type": "text/plain" }).end(block);
      }
      default:
        return this.fail(res, `unknown command: ${url.pathname}`);
    }
  }
}
