/**
 * The CometBFT connector through the real `@cosmjs/tendermint-rpc` client against a local peer
 * faithful to CometBFT 0.38 JSON-RPC (no chain can run here), fed with recorded answers.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { CometBftConnector } from "../../src/connectors/cometbft/cometbft.js";
import { decodeTx, type RpcTxResult } from "../../src/connectors/cometbft/decode.js";
import { CometBftPeer, type PeerTx } from "../peers/cometbft-peer.js";
import { type ConnectorRig, connectorRig } from "./harness.js";

const dir = new URL("../peers/fixtures/cometbft-0.38/", import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(name, dir), "utf8"));
const recordedSearch = fixture("tx_search_no_prove.json");
const cf1 = fixture("cf1-blocks.json") as { blocks: PeerTx[][] };

async function waitFor(what: string, cond: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("CometBFT connector", () => {
  let rig: ConnectorRig;
  let peer: CometBftPeer;
  let url: string;

  before(async () => {
    rig = await connectorRig();
  });
  after(async () => {
    await rig.close();
  });

  it("decodes a recorded Tx event exactly like the same transaction recorded from tx_search", () => {
    const options = { eventTypes: ["app"] };
    for (let i = 0; i < 5; i++) {
      const live = fixture(`subscribe_txs_${i}.json`).result.data.value.TxResult as RpcTxResult;
      const searched = recordedSearch.result.txs.find((t: { height: string }) => t.height === live.height);
      const fromSearch = decodeTx({ ...searched, result: searched.tx_result }, options);
      const fromEvent = decodeTx(live, options);
      assert.deepEqual(fromEvent, fromSearch);
      assert.equal(fromEvent.hash, searched.hash); // the hash computed from the bytes is the node's
      assert.equal(fromEvent.events.length, 2);
    }
  });

  it("backfills a recorded chain from its start height: every event once, in chain order", async () => {
    peer = new CometBftPeer();
    peer.loadRecorded(recordedSearch);
    url = await peer.listen();
    const sub = await rig.subscriber("chain.app");
    const connector = await rig.build<CometBftConnector>({
      type: "cometbft",
      name: "recorded",
      topic: "chain.app",
      options: { url, eventTypes: ["app"], startHeight: 1, pageSize: 4 },
    });
    await rig.start(connector);
    const got = await sub.events(18, 15_000);
    const expected = recordedSearch.result.txs.flatMap((t: { hash: string }) => [
      `recorded:${t.hash}/0`,
      `recorded:${t.hash}/1`,
    ]);
    assert.deepEqual(
      got.map((e) => e.id),
      expected,
    );
    assert.equal((got[0]?.data as { wasm: { key: string } } | undefined)?.wasm.key, "async-key");
    assert.equal(got[0]?.source, "recorded");
    assert.equal(rig.checkpoints.saved.get("recorded"), "253:0");
    assert.ok(peer.calls.filter((c) => c === "tx_search").length >= 3, "paged through tx_search");
    await connector.stop();
    await peer.close();
  });

  it("publishes the wasm events of live CF1 blocks in chain order, none of a failed transaction", async () => {
    peer = new CometBftPeer(100);
    url = await peer.listen();
    const sub = await rig.subscriber("chain.cf1");
    const connector = await rig.build<CometBftConnector>({
      type: "cometbft",
      name: "cf1",
      topic: "chain.cf1",
      options: { url, staleAfterMs: 60_000 },
    });
    await rig.start(connector);
    await waitFor("the connector's Tx and NewBlock subscriptions", () => peer.subscriptions === 2);
    for (const block of cf1.blocks) peer.commit(block);
    const got = await sub.events(6, 15_000);
    assert.deepEqual(
      got.map((e) => [
        e.event,
        (e.data as { wasm: Record<string, string> }).wasm.action ??
          (e.data as { wasm: Record<string, string> }).wasm.asset_id,
      ]),
      [
        ["wasm", "propose"],
        ["wasm-price_update", "CF1-001"],
        ["wasm", "invest"],
        ["wasm", "vote"],
        ["wasm-price_update", "CF1-001"],
        ["wasm", "transfer"],
      ],
    );
    const invest = got[2]?.data as { tx: { height: number; index: number; hash: string } };
    assert.deepEqual(invest.tx, { height: 102, index: 0, hash: invest.tx.hash });
    assert.match(invest.tx.hash, /^[0-9A-F]{64}$/);
    const vote = got[3]?.data as { tx: { height: number; index: number } };
    assert.equal(vote.tx.index, 2, "the failed transaction at index 1 produced nothing");
    assert.equal(rig.checkpoints.saved.get("cf1"), "104:0");
    assert.equal(connector.health().accepted, 6);
    await connector.stop();
    await peer.close();
  });

  it("a dropped WebSocket mid-block and a restart between checkpoints lose and repeat nothing", async () => {
    peer = new CometBftPeer(200);
    url = await peer.listen();
    const sub = await rig.subscriber("chain.faults");
    const make = () =>
      rig.build<CometBftConnector>({
        type: "cometbft",
        name: "faults",
        topic: "chain.faults",
        reconnect: { initialMs: 50, maxMs: 200 },
        options: { url },
      });
    let connector = await make();
    await rig.start(connector);
    await waitFor("the first connection's subscriptions", () => peer.subscriptions === 2);
    const all = cf1.blocks.flat().filter((t) => !t.code);
    const wasmTx = (label: string): PeerTx => ({ ...(all[0] as PeerTx), tx: Buffer.from(label).toString("base64") });
    // Block 201: three transactions; the connection is cut after the first one's event.
    peer.commit([wasmTx("f/1"), wasmTx("f/2"), wasmTx("f/3")], { dropAfter: 1 });
    await waitFor("the reconnect", () => connector.health().reconnects >= 1 && peer.subscriptions === 2);
    const first = await sub.events(3, 15_000);
    // Stop the connector (a gateway restart), let the chain move on, start a new instance.
    await connector.stop();
    peer.commit([wasmTx("f/4")]);
    peer.commit([wasmTx("f/5"), wasmTx("f/6")]);
    connector = await make();
    await rig.start(connector);
    await waitFor("the restarted connector's backfill", () => rig.checkpoints.saved.get("faults") === "203:1");
    await waitFor("the restarted connector's subscriptions", () => peer.subscriptions === 2);
    peer.commit([wasmTx("f/7")]);
    const more = await sub.events(4, 15_000);
    const ids = [...first, ...more].map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, "no duplicate");
    const labels = (frames: typeof more) =>
      frames.map((e) => {
        const tx = (e.data as { tx: { height: number; index: number } }).tx;
        return `${tx.height}:${tx.index}`;
      });
    assert.deepEqual(labels(first), ["201:0", "201:1", "201:2"]);
    assert.deepEqual(labels(more), ["202:0", "203:0", "203:1", "204:0"]);
    await connector.stop();
    await peer.close();
  });
});
