/** The shared connector suite on the CometBFT connector, against the CometBFT-faithful peer. */

import { CometBftPeer } from "../peers/cometbft-peer.js";
import { connectorSuite } from "../suites/connector.suite.js";

const peers = new Map<string, CometBftPeer>();
const urls = new Map<string, string>();

connectorSuite("cometbft", {
  durable: true,
  options: (id) => ({ url: urls.get(id), startHeight: 1, payload: "attributes" }),
  async prepare(id) {
    if (peers.has(id)) return;
    const peer = new CometBftPeer();
    peers.set(id, peer);
    urls.set(id, await peer.listen());
  },
  async produce(id, messages) {
    const peer = peers.get(id) as CometBftPeer;
    // One transaction per message, four to a block, each with one wasm event.
    for (let i = 0; i < messages.length; i += 4) {
      peer.commit(
        messages.slice(i, i + 4).map((m) => ({
          tx: Buffer.from(`${id}/${m.key}/${m.n}`).toString("base64"),
          events: [
            {
              type: "wasm",
              attributes: [
                { key: "_contract_address", value: "wasm1suite" },
                { key: "key", value: m.key },
                { key: "n", value: String(m.n) },
              ],
            },
          ],
        })),
      );
    }
  },
  // One chain, one order: transactions are applied one at a time.
  concurrent: false,
  async cleanup(id) {
    await peers.get(id)?.close();
    peers.delete(id);
  },
});
