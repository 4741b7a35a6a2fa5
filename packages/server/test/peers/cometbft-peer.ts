/**
 * A local peer faithful to the CometBFT 0.38 JSON-RPC that the CometBFT connector uses, for
 * tests where no chain can run: `/websocket` with `subscribe` / `unsubscribe` /
 * `unsubscribe_all`, and `tx_search` and `status` over the WebSocket and over HTTP POST.
 *
 * Frames follow the shapes recorded from a CometBFT 0.38 node (fixtures/cometbft-0.38/, from
 * the tendermint-rs RPC test fixtures): a subscription event repeats the subscribe request's
 * id, carries `query`, `data: {type: "tendermint/event/Tx", value: {TxResult: …}}` and the
 * flattened `events` map; `TxResult.index` is omitted when it is 0 and `result.code` when it
 * is 0, as CometBFT's JSON encoder does; numbers that are int64 in Go are strings.
 * A block's `NewBlock` event goes out before its `Tx` events, which go out in index order.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

export interface PeerEvent {
  type: string;
  attributes: Array<{ key: string; value: string; index?: boolean }>;
}

export interface PeerTx {
  /** Base64 transaction bytes. */
  tx: string;
  code?: number;
  events: PeerEvent[];
}

interface StoredTx extends PeerTx {
  height: number;
  index: number;
  hash: string;
}

interface Subscription {
  socket: WebSocket;
  id: unknown;
  query: string;
  kind: "Tx" | "NewBlock";
}

function kindOf(query: string): "Tx" | "NewBlock" | undefined {
  const m = /tm\.event\s*=\s*'(\w+)'/.exec(query);
  return m?.[1] === "Tx" || m?.[1] === "NewBlock" ? m[1] : undefined;
}

/** `tx.height>=5 AND tx.height<=9` → a predicate on height (the subset the connector sends). */
function heightFilter(query: string): ((h: number) => boolean) | undefined {
  const tests: Array<(h: number) => boolean> = [];
  for (const part of query.split(/\s+AND\s+/i)) {
    const m = /^\s*tx\.height\s*(>=|<=|=|>|<)\s*(\d+)\s*$/.exec(part);
    if (!m) return undefined;
    const n = Number(m[2]);
    const op = m[1];
    tests.push((h) =>
      op === ">=" ? h >= n : op === "<=" ? h <= n : op === ">" ? h > n : op === "<" ? h < n : h === n,
    );
  }
  return (h) => tests.every((t) => t(h));
}

export class CometBftPeer {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly subs: Subscription[] = [];
  private readonly txs: StoredTx[] = [];
  private heightNow: number;
  /** Every JSON-RPC method called, in order (for assertions about backfills). */
  readonly calls: string[] = [];

  constructor(startHeight = 0) {
    this.heightNow = startHeight;
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        let reply: unknown;
        try {
          reply = this.call(JSON.parse(body), undefined);
        } catch {
          reply = { jsonrpc: "2.0", id: -1, error: { code: -32700, message: "Parse error. Invalid JSON" } };
        }
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply));
      });
    });
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on("upgrade", (req: IncomingMessage, socket, head) => {
      if (!req.url?.startsWith("/websocket")) return socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
  }

  /** Listens on 127.0.0.1 (`port` 0: a free one) and returns the RPC address. */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((r, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => r());
    });
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get height(): number {
    return this.heightNow;
  }

  /** Live subscriptions (Tx and NewBlock) of every connection. */
  get subscriptions(): number {
    return this.subs.length;
  }

  /** Open WebSocket connections. */
  get connections(): number {
    return this.wss.clients.size;
  }

  private accept(ws: WebSocket): void {
    ws.on("message", (raw) => {
      let request: { id?: unknown; method?: string; params?: Record<string, unknown> };
      try {
        request = JSON.parse(String(raw));
      } catch {
        ws.send(
          JSON.stringify({ jsonrpc: "2.0", id: -1, error: { code: -32700, message: "Parse error. Invalid JSON" } }),
        );
        return;
      }
      ws.send(JSON.stringify(this.call(request, ws)));
    });
    ws.on("close", () => {
      for (let i = this.subs.length - 1; i >= 0; i--) if (this.subs[i]?.socket === ws) this.subs.splice(i, 1);
    });
  }

  private call(
    request: { id?: unknown; method?: string; params?: Record<string, unknown> },
    ws: WebSocket | undefined,
  ) {
    const id = request.id;
    const params = request.params ?? {};
    this.calls.push(String(request.method));
    const ok = (result: unknown) => ({ jsonrpc: "2.0", id, result });
    const error = (code: number, message: string, data = "") => ({
      jsonrpc: "2.0",
      id,
      error: { code, message, data },
    });
    switch (request.method) {
      case "subscribe": {
        if (!ws) return error(-32603, "Internal error", "subscribe is only available over WebSocket");
        const query = String(params.query ?? "");
        const kind = kindOf(query);
        if (!kind) return error(-32603, "Internal error", `failed to parse query: ${query}`);
        this.subs.push({ socket: ws, id, query, kind });
        return ok({});
      }
      case "unsubscribe": {
        const query = String(params.query ?? "");
        for (let i = this.subs.length - 1; i >= 0; i--) {
          if (this.subs[i]?.socket === ws && this.subs[i]?.query === query) this.subs.splice(i, 1);
        }
        return ok({});
      }
      case "unsubscribe_all":
        for (let i = this.subs.length - 1; i >= 0; i--) if (this.subs[i]?.socket === ws) this.subs.splice(i, 1);
        return ok({});
      case "health":
        return ok({});
      case "status":
        return ok({ sync_info: { latest_block_height: String(this.heightNow), catching_up: false } });
      case "tx_search": {
        const filter = heightFilter(String(params.query ?? ""));
        if (!filter) return error(-32603, "Internal error", `unsupported query: ${String(params.query)}`);
        const perPage = Math.min(100, Number(params.per_page ?? 30));
        const page = Number(params.page ?? 1);
        const all = this.txs.filter((t) => filter(t.height));
        if (params.order_by === "desc") all.reverse();
        const pages = Math.max(1, Math.ceil(all.length / perPage));
        if (page < 1 || page > pages) {
          return error(-32603, "Internal error", `page should be within [1, ${pages}] range, given ${page}`);
        }
        const slice = all.slice((page - 1) * perPage, page * perPage);
        return ok({
          txs: slice.map((t) => ({
            hash: t.hash,
            height: String(t.height),
            index: t.index,
            tx_result: {
              code: t.code ?? 0,
              data: null,
              log: "",
              info: "",
              gas_wanted: "0",
              gas_used: "0",
              events: t.events,
              codespace: "",
            },
            tx: t.tx,
          })),
          total_count: String(all.length),
        });
      }
      default:
        return error(-32601, "Method not found");
    }
  }

  /**
   * Commits a block with these transactions and sends its events. With `dropAfter`, the
   * WebSocket connections are cut (TCP reset) after that many of the block's Tx events.
   */
  commit(txs: PeerTx[], options: { dropAfter?: number } = {}): number {
    const height = ++this.heightNow;
    const stored = txs.map((t, index) => ({
      ...t,
      height,
      index,
      hash: createHash("sha256").update(Buffer.from(t.tx, "base64")).digest("hex").toUpperCase(),
    }));
    this.txs.push(...stored);
    for (const s of this.subs.filter((x) => x.kind === "NewBlock")) {
      s.socket.send(
        JSON.stringify({
          jsonrpc: "2.0",
          id: s.id,
          result: {
            query: s.query,
            data: {
              type: "tendermint/event/NewBlock",
              value: {
                block: {
                  header: { chain_id: "herald-test", height: String(height) },
                  data: { txs: txs.map((t) => t.tx) },
                },
                result_finalize_block: { validator_updates: [] },
              },
            },
            events: { "tm.event": ["NewBlock"] },
          },
        }),
      );
    }
    let sent = 0;
    for (const t of stored) {
      if (options.dropAfter !== undefined && sent >= options.dropAfter) {
        this.dropConnections();
        return height;
      }
      for (const s of this.subs.filter((x) => x.kind === "Tx")) s.socket.send(JSON.stringify(this.txEvent(s, t)));
      sent++;
    }
    return height;
  }

  private txEvent(s: Subscription, t: StoredTx) {
    const result: Record<string, unknown> = { events: t.events };
    if (t.code) result.code = t.code;
    const txResult: Record<string, unknown> = { height: String(t.height), tx: t.tx, result };
    if (t.index !== 0) txResult.index = t.index;
    const flat: Record<string, string[]> = {};
    for (const e of t.events) {
      for (const a of e.attributes) {
        const k = `${e.type}.${a.key}`;
        flat[k] ??= [];
        flat[k].push(a.value);
      }
    }
    flat["tm.event"] = ["Tx"];
    flat["tx.hash"] = [t.hash];
    flat["tx.height"] = [String(t.height)];
    return {
      jsonrpc: "2.0",
      id: s.id,
      result: { query: s.query, data: { type: "tendermint/event/Tx", value: { TxResult: txResult } }, events: flat },
    };
  }

  /** Cuts every WebSocket connection without a close frame. */
  dropConnections(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.subs.length = 0;
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Loads the transactions of a recorded `tx_search` answer, keeping their heights and indexes. */
  loadRecorded(answer: {
    result: { txs: Array<{ height: string; index: number; tx: string; tx_result: PeerTx & { code: number } }> };
  }): void {
    for (const t of answer.result.txs) {
      const height = Number(t.height);
      this.txs.push({
        tx: t.tx,
        code: t.tx_result.code,
        events: t.tx_result.events,
        height,
        index: t.index,
        hash: createHash("sha256").update(Buffer.from(t.tx, "base64")).digest("hex").toUpperCase(),
      });
      this.heightNow = Math.max(this.heightNow, height);
    }
  }
}
