/**
 * Turns CometBFT 0.38 transaction results into Herald events: one per
 * CosmWasm event (`wasm`, or a custom `wasm-*` type) of a successful transaction, its
 * attributes as an object the route stage can read (`wasm.action`, `wasm._contract_address`,
 * `wasm.proposal_id`, …).
 */
import { createHash } from "node:crypto";

/** A transaction result as the RPC gives it (tx_search item or the `TxResult` of a Tx event). */
export interface RpcTxResult {
  height: string;
  /** Position of the transaction in its block; CometBFT omits it when it is 0. */
  index?: number;
  /** Base64 transaction bytes. */
  tx: string;
  /** Hex hash; absent in Tx events (computed from `tx` then). */
  hash?: string;
  result: {
    code?: number;
    events?: Array<{ type: string; attributes?: Array<{ key: string; value: string; index?: boolean }> }>;
  };
}

/** Where a transaction sits in the chain: the connector's checkpoint unit. */
export interface ChainPosition {
  height: number;
  index: number;
}

/** `a` is strictly before `b` in chain order. */
export function before(a: ChainPosition, b: ChainPosition): boolean {
  return a.height < b.height || (a.height === b.height && a.index < b.index);
}

export function formatPosition(p: ChainPosition): string {
  return `${p.height}:${p.index}`;
}

export function parsePosition(s: string): ChainPosition | undefined {
  const m = /^(\d+):(\d+)$/.exec(s);
  return m ? { height: Number(m[1]), index: Number(m[2]) } : undefined;
}

/** The upper-case hex SHA-256 of the transaction bytes: CometBFT's transaction hash. */
export function txHash(txBase64: string): string {
  return createHash("sha256").update(Buffer.from(txBase64, "base64")).digest("hex").toUpperCase();
}

export interface DecodeOptions {
  /** Event types to emit; a type ending in `*` is a prefix. @default ["wasm", "wasm-*"] */
  eventTypes: readonly string[];
}

/** One CosmWasm event of a transaction. */
export interface ChainEvent {
  /** `{txhash}/{index of the event in the transaction}`: the event's identity on the chain. */
  sourceId: string;
  /** The event type, e.g. `wasm` or `wasm-price_update`. */
  type: string;
  /** What subscribers get: the attributes under `wasm`, and where it happened under `tx`. */
  data: { wasm: Record<string, string>; tx: { hash: string; height: number; index: number }; event_index: number };
}

function typeMatches(type: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith("*") ? type.startsWith(p.slice(0, -1)) : type === p));
}

/** A decoded transaction: its position, hash and its matching events. */
export interface DecodedTx {
  position: ChainPosition;
  hash: string;
  events: ChainEvent[];
}

/** Decodes one transaction. A failed transaction (code ≠ 0) yields no requests. */
export function decodeTx(raw: RpcTxResult, options: DecodeOptions): DecodedTx {
  const height = Number(raw.height);
  const index = raw.index ?? 0;
  const hash = raw.hash ?? txHash(raw.tx);
  const events: ChainEvent[] = [];
  if ((raw.result.code ?? 0) === 0) {
    (raw.result.events ?? []).forEach((event, eventIndex) => {
      if (!typeMatches(event.type, options.eventTypes)) return;
      const attributes: Record<string, string> = {};
      for (const a of event.attributes ?? []) {
        // A repeated key keeps its first value; msg_index says which message of the tx it was.
        if (!Object.hasOwn(attributes, a.key)) attributes[a.key] = a.value;
      }
      events.push({
        sourceId: `${hash}/${eventIndex}`,
        type: event.type,
        data: { wasm: attributes, tx: { hash, height, index }, event_index: eventIndex },
      });
    });
  }
  return { position: { height, index }, hash, events };
}
