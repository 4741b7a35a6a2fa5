/**
 * The shared connector suite on the IPFS connector (Kubo mode), with a real gossipsub crawler
 * peer and the Kubo-faithful peer. Pubsub keeps nothing, so the cases for durable sources do
 * not apply.
 */
import { type PubsubPeer, startPubsubPeer } from "../../src/connectors/ipfs/libp2p-node.js";
import { KuboPeer } from "../peers/kubo-peer.js";
import { connectorSuite } from "../suites/connector.suite.js";

let kubo: KuboPeer;
let rpc: string;
let crawler: PubsubPeer;

connectorSuite("ipfs", {
  durable: false,
  // One crawler peer announces everything: its announcements are offered one at a time, in order.
  concurrent: false,
  options: (id) => ({ mode: "kubo", kuboUrl: rpc, topic: `suite.${id}`, checkIntervalMs: 200 }),
  async setup() {
    kubo = new KuboPeer();
    ({ rpc } = await kubo.start());
    crawler = await startPubsubPeer();
    await kubo.node.dial(crawler.addresses[0] as string);
  },
  async prepare(id) {
    crawler.subscribe(`suite.${id}`, () => {});
  },
  async produce(id, messages) {
    const topic = `suite.${id}`;
    const deadline = Date.now() + 15_000;
    while (crawler.topicPeers(topic) === 0) {
      if (Date.now() > deadline) throw new Error(`no subscriber on ${topic} after 15 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const m of messages) {
      const cid = await kubo.putRaw(Buffer.from(JSON.stringify({ key: m.key, n: m.n, id })));
      await crawler.publish(topic, Buffer.from(cid.toString()));
    }
  },
  async teardown() {
    await crawler.stop();
    await kubo.close();
  },
});
