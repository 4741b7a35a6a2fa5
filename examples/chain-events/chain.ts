/**
 * The CF1 chain, simulated: no CometBFT node can run here, so the example talks to a local peer
 * faithful to the CometBFT 0.38 JSON-RPC (`packages/server/test/peers/cometbft-peer.ts`, checked
 * against answers recorded from a real node) and commits blocks of CF1 contract transactions to
 * it. Each transaction carries what a CosmWasm contract emits through wasmd: `message` and
 * `execute` events, then a `wasm` event (or a custom `wasm-<type>` one) with the contract address
 * and the contract's own attributes, all strings. Herald's `cometbft` connector reads these
 * exactly as it would read a real chain's.
 */
import { CometBftPeer, type PeerEvent, type PeerTx } from "../../packages/server/test/peers/cometbft-peer.js";

/** The CF1 contracts (addresses as in the connector's CF1 fixture). */
export const GOVERNANCE = "wasm1cf1governance0qz8k3v9u5l6x4n2m7p3r5t8w0y2a4c6e8g0j2l4n6";
export const MARKET = "wasm1cf1market00n4b3v2c1x0z9l8k7j6h5g4f3d2s1a0p9o8i7u6y5t4r3";

type Attributes = Record<string, string | number>;

function event(type: string, attributes: Attributes): PeerEvent {
  return {
    type,
    attributes: Object.entries(attributes).map(([key, value]) => ({ key, value: String(value), index: true })),
  };
}

interface Proposal {
  raised: number;
  yes: number;
  no: number;
}

export class Cf1Chain {
  readonly peer: CometBftPeer;
  private nonce = 0;
  private readonly proposals = new Map<string, Proposal>();

  /**
   * Heights follow the wall clock (one per second since 2026), so a re-run of the example
   * continues after the checkpoint its connector stored in the previous run.
   */
  constructor(startHeight = Math.floor((Date.now() - Date.UTC(2026, 0, 1)) / 1000)) {
    this.peer = new CometBftPeer(startHeight);
  }

  /** Starts the node's RPC (`port` 0: a free one); returns its `ws://` address. */
  listen(port = 0): Promise<string> {
    return this.peer.listen(port);
  }

  /** Commits a block with these transactions (in this order); returns its height. */
  block(...txs: PeerTx[]): number {
    return this.peer.commit(txs);
  }

  /** A transaction executing `contract` that emits `wasmType` with these attributes. */
  private tx(sender: string, contract: string, wasmType: string, attributes: Attributes): PeerTx {
    const label = `cf1/${wasmType}/${this.peer.height + 1}/${++this.nonce}`;
    return {
      tx: Buffer.from(label).toString("base64"),
      events: [
        event("message", { action: "/cosmwasm.wasm.v1.MsgExecuteContract", sender, module: "wasm", msg_index: 0 }),
        event("execute", { _contract_address: contract, msg_index: 0 }),
        event(wasmType, { _contract_address: contract, ...attributes, msg_index: 0 }),
      ],
    };
  }

  private proposal(id: string): Proposal {
    let p = this.proposals.get(id);
    if (p === undefined) {
      p = { raised: 0, yes: 0, no: 0 };
      this.proposals.set(id, p);
    }
    return p;
  }

  propose(id: string, title: string, target: number, asset: string): PeerTx {
    this.proposal(id);
    return this.tx("wasm1creator", GOVERNANCE, "wasm", {
      action: "propose",
      proposal_id: id,
      title,
      target_amount: target,
      asset_id: asset,
      status: "funding",
    });
  }

  invest(id: string, investor: string, amount: number): PeerTx {
    const p = this.proposal(id);
    p.raised += amount;
    return this.tx(investor, GOVERNANCE, "wasm", {
      action: "invest",
      proposal_id: id,
      investor,
      amount,
      total_raised: p.raised,
    });
  }

  vote(id: string, voter: string, yes: boolean): PeerTx {
    const p = this.proposal(id);
    if (yes) p.yes += 1;
    else p.no += 1;
    return this.tx(voter, GOVERNANCE, "wasm", {
      action: "vote",
      proposal_id: id,
      voter,
      option: yes ? "yes" : "no",
      yes_votes: p.yes,
      no_votes: p.no,
    });
  }

  execute(id: string): PeerTx {
    return this.tx("wasm1creator", GOVERNANCE, "wasm", { action: "execute", proposal_id: id, status: "executed" });
  }

  price(asset: string, price: number): PeerTx {
    return this.tx("wasm1oracle", MARKET, "wasm-price_update", { asset_id: asset, price: price.toFixed(2) });
  }

  close(): Promise<void> {
    return this.peer.close();
  }
}
