/**
 * CometBFT / CosmWasm connector: transactions of a CometBFT 0.38 chain become events.
 *
 * Reads live `tm.event='Tx'` (and `NewBlock`, for liveness and lag) over the node's WebSocket
 * with `@cosmjs/tendermint-rpc`, and after every (re)connect first reads what it missed with
 * `tx_search` from its checkpoint (height + index of the last transaction fully accepted), so
 * that no transaction is skipped or offered twice: live events that arrive during the backfill
 * are held and then applied after it, skipping what the backfill already covered.
 * Transactions are offered one at a time in chain order; the checkpoint moves after all of a
 * transaction's events were accepted (published, duplicate or dead-lettered).
 */

import { Comet38Client, WebsocketClient } from "@cosmjs/tendermint-rpc";
import { HeraldError } from "@herald/protocol";
import type { Connector, ConnectorContext, ConnectorHealth, ConnectorState } from "../connector.js";
import { before, type ChainPosition, decodeTx, formatPosition, parsePosition, type RpcTxResult } from "./decode.js";

export interface CometBftOptions {
  /** The node's RPC address, e.g. `ws://127.0.0.1:26657` (`/websocket` is appended). */
  url: string;
  /** Topic of the offered events; the route stage maps them to typed topics. @default "chain.wasm" */
  topic?: string;
  /** Event types to offer; `*` at the end is a prefix. @default ["wasm", "wasm-*"] */
  eventTypes?: string[];
  /** First height to read when there is no checkpoint; absent: start with live transactions. */
  startHeight?: number;
  /** `tx_search` page size during a backfill. @default 100 */
  pageSize?: number;
  /** No `NewBlock` for this long means the connection is dead: reconnect. @default 30000 */
  staleAfterMs?: number;
  /** Most live transactions held while the worker is busy; beyond it, drop live and backfill. @default 10000 */
  maxQueued?: number;
  /** Reconnect delay: exponential from `initialMs` to `maxMs`, with jitter. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** How long one RPC call may take. @default 10000 */
  requestTimeoutMs?: number;
  /** A failed required connector makes the node not ready. @default true */
  required?: boolean;
}

interface Resolved {
  url: string;
  topic: string;
  eventTypes: string[];
  startHeight: number | undefined;
  pageSize: number;
  staleAfterMs: number;
  maxQueued: number;
  initialMs: number;
  maxMs: number;
  requestTimeoutMs: number;
}

interface RawEvent {
  query?: string;
  data: { type: string; value: Record<string, unknown> };
}

/**
 * The private ReconnectingSocket of cosmjs's WebsocketClient: its connection status, and what
 * is needed to really close it (see `closeClient`).
 */
interface StatusSocket {
  socket: {
    connectionStatus: { value: number; updates: { subscribe(l: { next(v: number): void }): unknown } };
    reconnectTimeout: NodeJS.Timeout | null;
    socket: { reconnect(): void };
  };
}
const CONNECTED = 2;

/**
 * Closes a cosmjs WebsocketClient for good. With @cosmjs/socket 0.39, `disconnect()` reports
 * "Disconnected", which its ReconnectingSocket answers by scheduling a reconnect — forever,
 * every 5 s, after the client was closed. The connector makes a new client for each connection,
 * so the old one's reconnects are switched off here.
 */
function closeClient(ws: WebsocketClient): void {
  const rs = (ws as unknown as StatusSocket).socket;
  rs.socket.reconnect = () => {};
  ws.disconnect();
  if (rs.reconnectTimeout) clearTimeout(rs.reconnectTimeout);
  rs.reconnectTimeout = null;
}

class Restart extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export class CometBftConnector implements Connector {
  readonly type = "cometbft";
  readonly required: boolean;
  private readonly o: Resolved;
  private context: ConnectorContext | undefined;
  private state: ConnectorState = "stopped";
  private counters = { received: 0, accepted: 0, rejected: 0, reconnects: 0 };
  private lastError: string | undefined;
  private latestHeight = 0;
  private last: ChainPosition | undefined;
  private loop: Promise<void> | undefined;
  private stopping = new AbortController();
  private wakeRestart: (() => void) | undefined;

  constructor(
    readonly name: string,
    options: CometBftOptions,
  ) {
    if (!/^wss?:\/\//.test(options.url)) {
      throw new HeraldError("bad_request", `connector "${name}": url must start with ws:// or wss://`);
    }
    this.required = options.required ?? true;
    this.o = {
      url: options.url.replace(/\/websocket\/?$/, ""),
      topic: options.topic ?? "chain.wasm",
      eventTypes: options.eventTypes ?? ["wasm", "wasm-*"],
      startHeight: options.startHeight,
      pageSize: options.pageSize ?? 100,
      staleAfterMs: options.staleAfterMs ?? 30_000,
      maxQueued: options.maxQueued ?? 10_000,
      initialMs: options.backoff?.initialMs ?? 500,
      maxMs: options.backoff?.maxMs ?? 30_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    };
  }

  async start(context: ConnectorContext): Promise<void> {
    if (this.loop) return;
    this.context = context;
    this.stopping = new AbortController();
    context.signal.addEventListener("abort", () => this.stopping.abort(), { once: true });
    const saved = await context.checkpoints.load(this.name);
    this.last = saved === undefined ? undefined : parsePosition(saved);
    if (this.last === undefined && this.o.startHeight !== undefined) {
      this.last = { height: this.o.startHeight - 1, index: Number.MAX_SAFE_INTEGER };
    }
    this.state = "starting";
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.wakeRestart?.();
    await this.loop;
    this.loop = undefined;
    this.state = "stopped";
  }

  health(): ConnectorHealth {
    const h: ConnectorHealth = { state: this.state, ...this.counters };
    if (this.last !== undefined && this.latestHeight > 0) h.lag = Math.max(0, this.latestHeight - this.last.height);
    if (this.lastError !== undefined) h.lastError = this.lastError;
    return h;
  }

  /** The last transaction fully accepted (for tests and /api/info). */
  position(): ChainPosition | undefined {
    return this.last;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopping.signal.aborted) {
      try {
        await this.session(() => {
          attempt = 0;
        });
      } catch (err) {
        if (this.stopping.signal.aborted) break;
        this.lastError = err instanceof Error ? err.message : String(err);
      }
      if (this.stopping.signal.aborted) break;
      this.state = "reconnecting";
      this.counters.reconnects++;
      const delay = Math.min(this.o.maxMs, this.o.initialMs * 2 ** attempt++) * (0.5 + Math.random() / 2);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        this.stopping.signal.addEventListener(
          "abort",
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
      });
    }
  }

  /** One connection: subscribe, backfill, then apply live transactions until it breaks. */
  private async session(connected: () => void): Promise<void> {
    const ws = new WebsocketClient(this.o.url, (err) => {
      this.lastError = err instanceof Error ? err.message : String(err);
    });
    const client = Comet38Client.create(ws);
    const queue: RawEvent[] = [];
    let broken: Error | undefined;
    let wake: (() => void) | undefined;
    const fail = (err: Error) => {
      broken ??= err;
      wake?.();
    };
    this.wakeRestart = () => fail(new Restart("stopping"));
    let stale: NodeJS.Timeout | undefined;
    const resetStale = () => {
      clearTimeout(stale);
      stale = setTimeout(() => fail(new Error(`no new block for ${this.o.staleAfterMs} ms`)), this.o.staleAfterMs);
    };
    try {
      const listen = (query: string, onEvent: (e: RawEvent) => void) =>
        ws
          .listen({ jsonrpc: "2.0", id: `herald-${this.name}-${query}`, method: "subscribe", params: { query } })
          .subscribe({
            next: (e) => onEvent(e as unknown as RawEvent),
            error: (err) => fail(err instanceof Error ? err : new Error(String(err))),
            complete: () => fail(new Error("subscription ended")),
          });
      // Subscribe before the socket is open: @cosmjs/socket 0.39 sends nothing queued after it
      // opened with an empty queue (its queue stays marked busy), so the first requests must be
      // queued before the connection is made.
      listen("tm.event='NewBlock'", (e) => {
        resetStale();
        const block = e.data.value.block as { header?: { height?: string } } | undefined;
        const h = Number(block?.header?.height);
        if (Number.isFinite(h)) this.latestHeight = Math.max(this.latestHeight, h);
      });
      listen("tm.event='Tx'", (e) => {
        queue.push(e);
        if (queue.length > this.o.maxQueued) fail(new Error(`more than ${this.o.maxQueued} live transactions queued`));
        wake?.();
      });
      await withTimeout(ws.connected(), this.o.requestTimeoutMs, "connect");
      let wasConnected = true;
      (ws as unknown as StatusSocket).socket.connectionStatus.updates.subscribe({
        next: (status) => {
          if (status !== CONNECTED && wasConnected) fail(new Error("connection to the node lost"));
          wasConnected = status === CONNECTED;
        },
      });
      resetStale();
      connected();
      this.state = "running";
      this.lastError = undefined;

      if (this.last !== undefined) await this.backfill(client, () => broken);

      for (;;) {
        if (broken) throw broken;
        const next = queue.shift();
        if (next === undefined) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        const raw = (next.data.value as { TxResult: RpcTxResult }).TxResult;
        await this.apply(raw, () => broken);
      }
    } finally {
      clearTimeout(stale);
      this.wakeRestart = undefined;
      closeClient(ws);
    }
  }

  /** Reads every transaction after the checkpoint with tx_search, in chain order. */
  private async backfill(client: Comet38Client, broken: () => Error | undefined): Promise<void> {
    const from = this.last as ChainPosition;
    for (let page = 1; ; page++) {
      const result = await withTimeout(
        client.txSearch({ query: `tx.height>=${from.height}`, page, per_page: this.o.pageSize, order_by: "asc" }),
        this.o.requestTimeoutMs,
        "tx_search",
      );
      for (const tx of result.txs) {
        await this.apply(
          {
            height: String(tx.height),
            index: tx.index,
            tx: Buffer.from(tx.tx).toString("base64"),
            hash: Buffer.from(tx.hash).toString("hex").toUpperCase(),
            result: {
              code: tx.result.code,
              events: tx.result.events.map((e) => ({
                type: e.type,
                attributes: e.attributes.map((a) => ({ key: a.key, value: a.value })),
              })),
            },
          },
          broken,
        );
      }
      if (page * this.o.pageSize >= result.totalCount || result.txs.length === 0) return;
    }
  }

  /** Offers one transaction's events unless the checkpoint is already past it; then moves it. */
  private async apply(raw: RpcTxResult, broken: () => Error | undefined): Promise<void> {
    const context = this.context as ConnectorContext;
    const decoded = decodeTx(raw, { topic: this.o.topic, eventTypes: this.o.eventTypes });
    if (this.last !== undefined && !before(this.last, decoded.position)) return; // already applied
    this.latestHeight = Math.max(this.latestHeight, decoded.position.height);
    this.counters.received++;
    for (const request of decoded.requests) {
      for (let attempt = 0; ; attempt++) {
        const stopped = broken();
        if (stopped instanceof Restart || this.stopping.signal.aborted) throw new Restart("stopping");
        try {
          const result = await context.sink.offer({ ...request, source: this.name });
          if (result.status === "dead-lettered") this.counters.rejected++;
          else this.counters.accepted++;
          break;
        } catch (err) {
          // Nothing was kept: offer the same event again, later (the checkpoint has not moved).
          this.lastError = err instanceof Error ? err.message : String(err);
          const delay = Math.min(this.o.maxMs, this.o.initialMs * 2 ** attempt);
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    }
    await context.checkpoints.save(this.name, formatPosition(decoded.position));
    this.last = decoded.position;
  }
}
