/**
 * CometBFT / CosmWasm connector (`type: "cometbft"`): transactions of a CometBFT 0.38 chain
 * become events, one per CosmWasm event of each successful transaction.
 *
 * Reads live `tm.event='Tx'` (and `NewBlock`, for liveness and lag) over the node's WebSocket
 * with `@cosmjs/tendermint-rpc`, and after every (re)connect first reads what it missed with
 * `tx_search` from its checkpoint (height + index of the last transaction fully accepted), so
 * that no transaction is skipped or offered twice: live transactions that arrive during the
 * backfill are held and applied after it, skipping what the backfill covered. Transactions are
 * applied one at a time in chain order; the checkpoint moves after all of a transaction's
 * events were kept (published, duplicate or dead-lettered).
 */
import { Comet38Client, WebsocketClient } from "@cosmjs/tendermint-rpc";
import { ConfigError } from "../../config-error.js";
import type { ConnectorConfig } from "../connector-config.js";
import { checkOptions } from "../options.js";
import { type ConnectorDeps, SourceConnector, StoppedError } from "../source.js";
import { before, type ChainPosition, decodeTx, formatPosition, parsePosition, type RpcTxResult } from "./decode.js";

/** `options` of a `cometbft` connector. */
export interface CometBftOptions {
  /** The node's RPC address, e.g. `ws://127.0.0.1:26657` (`/websocket` is appended). */
  url: string;
  /** Event types to emit; `*` at the end is a prefix. @default ["wasm", "wasm-*"] */
  eventTypes: string[];
  /** First height to read when there is no checkpoint; absent: start with live transactions. */
  startHeight?: number;
  /** `tx_search` page size during a backfill. @default 100 */
  pageSize: number;
  /** No `NewBlock` for this long means the connection is dead: reconnect. @default 30000 */
  staleAfterMs: number;
  /** Live transactions held while the pipeline is busy; beyond it, reconnect and backfill. @default 10000 */
  maxQueued: number;
  /** One RPC call's limit. @default 10000 */
  requestTimeoutMs: number;
  /**
   * What an event's `data` is: `full` — `{wasm: {attributes}, tx: {hash, height, index},
   * event_index}`; `attributes` — the attributes alone. @default "full"
   */
  payload: "full" | "attributes";
}

const schema = {
  type: "object",
  additionalProperties: false,
  required: ["url"],
  properties: {
    url: { type: "string", pattern: "^wss?://" },
    eventTypes: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1, default: ["wasm", "wasm-*"] },
    startHeight: { type: "integer", minimum: 1 },
    pageSize: { type: "integer", minimum: 1, maximum: 100, default: 100 },
    staleAfterMs: { type: "integer", minimum: 100, default: 30_000 },
    maxQueued: { type: "integer", minimum: 1, default: 10_000 },
    requestTimeoutMs: { type: "integer", minimum: 10, default: 10_000 },
    payload: { enum: ["full", "attributes"], default: "full" },
  },
};

interface RawEvent {
  data: { type: string; value: Record<string, unknown> };
}

/**
 * The private ReconnectingSocket of cosmjs's WebsocketClient: its connection status, and what
 * is needed to really close it (see `closeClient`).
 */
interface StatusSocket {
  socket: {
    connectionStatus: { updates: { subscribe(l: { next(v: number): void }): unknown } };
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

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** One connection to the node: its client, the live transactions held, and its apply loop. */
interface Link {
  ws: WebsocketClient;
  client: Comet38Client;
  queue: RawEvent[];
  closed: boolean;
  wake?: () => void;
  stale?: NodeJS.Timeout;
  loop?: Promise<void>;
}

export class CometBftConnector extends SourceConnector {
  readonly type = "cometbft";
  private readonly options: CometBftOptions;
  private link: Link | undefined;
  private last: ChainPosition | undefined;
  private loaded = false;
  private latestHeight = 0;

  constructor(config: ConnectorConfig, deps: ConnectorDeps) {
    // The event name defaults to the CosmWasm event type (`wasm`, `wasm-price_update`).
    super(config.event === "message" ? { ...config, event: "{type}" } : config, deps, "chain.wasm");
    this.options = checkOptions<CometBftOptions>(config.name, schema, config.options);
    if (this.config.maxInFlight < 1) throw new ConfigError([`connector "${config.name}": maxInFlight must be ≥ 1`]);
  }

  /** The last transaction fully accepted (for tests and /api/info). */
  position(): ChainPosition | undefined {
    return this.last;
  }

  protected async connect(): Promise<void> {
    if (!this.loaded) {
      const saved = await this.context.checkpoints.load(this.name);
      this.last = saved === undefined ? undefined : parsePosition(saved);
      if (this.last === undefined && this.options.startHeight !== undefined) {
        this.last = { height: this.options.startHeight - 1, index: Number.MAX_SAFE_INTEGER };
      }
      this.loaded = true;
    }
    const ws = new WebsocketClient(this.options.url.replace(/\/websocket\/?$/, ""), () => {});
    const link: Link = { ws, client: Comet38Client.create(ws), queue: [], closed: false };
    this.link = link;
    const fail = (err: unknown) => {
      if (link.closed) return;
      link.closed = true;
      link.wake?.();
      this.lost(err);
    };
    const resetStale = () => {
      clearTimeout(link.stale);
      link.stale = setTimeout(
        () => fail(new Error(`no new block for ${this.options.staleAfterMs} ms`)),
        this.options.staleAfterMs,
      );
    };
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
      const h = Number((e.data.value.block as { header?: { height?: string } } | undefined)?.header?.height);
      if (Number.isFinite(h)) this.seen(h);
    });
    listen("tm.event='Tx'", (e) => {
      link.queue.push(e);
      if (link.queue.length > this.options.maxQueued) {
        fail(
          new Error(`more than ${this.options.maxQueued} live transactions held; reading them again from tx_search`),
        );
      }
      link.wake?.();
    });
    try {
      await withTimeout(ws.connected(), this.options.requestTimeoutMs, "connect");
    } catch (err) {
      link.closed = true;
      throw err;
    }
    // The node handles one connection's requests in order: once `health` is answered, both
    // subscriptions are in place, so nothing committed from now on is missed.
    await withTimeout(
      ws.execute({ jsonrpc: "2.0", id: `herald-${this.name}-health`, method: "health", params: {} }),
      this.options.requestTimeoutMs,
      "health",
    ).catch((err) => {
      link.closed = true;
      throw err;
    });
    let wasConnected = true;
    (ws as unknown as StatusSocket).socket.connectionStatus.updates.subscribe({
      next: (status) => {
        if (status !== CONNECTED && wasConnected) fail(new Error("connection to the node lost"));
        wasConnected = status === CONNECTED;
      },
    });
    resetStale();
    link.loop = this.run(link).catch((err) => {
      if (!(err instanceof StoppedError)) fail(err);
    });
  }

  protected async disconnect(): Promise<void> {
    const link = this.link;
    if (!link) return;
    this.link = undefined;
    link.closed = true;
    link.wake?.();
    clearTimeout(link.stale);
    closeClient(link.ws);
    await link.loop;
  }

  private seen(height: number): void {
    this.latestHeight = Math.max(this.latestHeight, height);
    if (this.last !== undefined) this.setLag(Math.max(0, this.latestHeight - this.last.height));
  }

  /** Backfill from the checkpoint, then live transactions, until the link closes. */
  private async run(link: Link): Promise<void> {
    if (this.last !== undefined) await this.backfill(link);
    while (!link.closed) {
      const next = link.queue.shift();
      if (next === undefined) {
        await new Promise<void>((resolve) => {
          link.wake = resolve;
        });
        link.wake = undefined;
        continue;
      }
      await this.apply(link, (next.data.value as { TxResult: RpcTxResult }).TxResult);
    }
  }

  /** Reads every transaction after the checkpoint with tx_search, in chain order. */
  private async backfill(link: Link): Promise<void> {
    const from = this.last as ChainPosition;
    for (let page = 1; !link.closed; page++) {
      const result = await withTimeout(
        link.client.txSearch({
          query: `tx.height>=${from.height}`,
          page,
          per_page: this.options.pageSize,
          order_by: "asc",
        }),
        this.options.requestTimeoutMs,
        "tx_search",
      );
      for (const tx of result.txs) {
        if (link.closed) return;
        await this.apply(link, {
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
        });
      }
      if (page * this.options.pageSize >= result.totalCount || result.txs.length === 0) return;
    }
  }

  /** Offers one transaction's events unless the checkpoint is already past it; then moves it. */
  private async apply(link: Link, raw: RpcTxResult): Promise<void> {
    const decoded = decodeTx(raw, { eventTypes: this.options.eventTypes });
    if (this.last !== undefined && !before(this.last, decoded.position)) return; // already applied
    const offers = decoded.events.map((e) =>
      this.offer({
        sourceId: e.sourceId,
        key: "chain",
        data: this.options.payload === "full" ? e.data : e.data.wasm,
        fields: { type: e.type, hash: decoded.hash, height: decoded.position.height, index: decoded.position.index },
      }),
    );
    await Promise.all(offers);
    await this.context.checkpoints.save(this.name, formatPosition(decoded.position));
    this.last = decoded.position;
    this.seen(decoded.position.height);
  }
}

/** Builds a `cometbft` connector. */
export function createCometBftConnector(config: ConnectorConfig, deps: ConnectorDeps): CometBftConnector {
  return new CometBftConnector(config, deps);
}
