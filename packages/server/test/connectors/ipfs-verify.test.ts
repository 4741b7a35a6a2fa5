/**
 * Lodestar's trust chain through a configured gateway: content announced on IPFS pubsub is
 * fetched by the `ipfs` connector, checked against its CID, and its crawler's signature checked
 * by the verify stage. A forged or unsigned document never reaches a subscriber and is listed
 * in /api/dead-letters with `bad_signature`.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { after, before, describe, it } from "node:test";
import canonicalize from "canonicalize";
import { type PubsubPeer, startPubsubPeer } from "../../src/connectors/ipfs/libp2p-node.js";
import { getJson, type Running, startGateway, TestClient, waitFor } from "../helpers.js";
import { KuboPeer } from "../peers/kubo-peer.js";

const TOPIC = "lodestar.new_content";
const crawlerKey = generateKeyPairSync("ed25519");
const forger = generateKeyPairSync("ed25519");
const rawPublicKey = (crawlerKey.publicKey.export({ format: "jwk" }).x as string).replace(/-/g, "+").replace(/_/g, "/");

/** A document signed as the verify stage expects: JCS of {topic, event, data, publisher, kid}. */
function document(content: Record<string, unknown>, key = crawlerKey.privateKey, signed = true): Buffer {
  const envelope = { topic: "content.new", event: "content_update", data: content, publisher: "crawler-7", kid: "k1" };
  const doc: Record<string, unknown> = { content, publisher: "crawler-7", kid: "k1" };
  if (signed) doc.sig = sign(null, Buffer.from(canonicalize(envelope) as string), key).toString("base64");
  return Buffer.from(JSON.stringify(doc));
}

describe("IPFS content through the verify stage", () => {
  let kubo: KuboPeer;
  let crawler: PubsubPeer;
  let run: Running;

  before(async () => {
    kubo = new KuboPeer();
    const { rpc } = await kubo.start();
    crawler = await startPubsubPeer();
    crawler.subscribe(TOPIC, () => {});
    await kubo.node.dial(crawler.addresses[0] as string);
    run = await startGateway({
      auth: { apiKeys: ["ipfs-verify-test-key-0123456789"] },
      namespaces: [{ prefix: "content", pipeline: [{ stage: "verify", mode: "require" }] }],
      publisherKeys: { keys: [{ publisher: "crawler-7", kid: "k1", alg: "ed25519", publicKey: rawPublicKey }] },
      connectors: [
        {
          type: "ipfs",
          name: "lodestar",
          topic: "content.new",
          options: { mode: "kubo", kuboUrl: rpc, checkIntervalMs: 200 },
        },
      ],
    });
  });
  after(async () => {
    await run.close();
    await crawler.stop();
    await kubo.close();
  });

  it("publishes signed content as verified; forged and unsigned content become bad_signature dead letters", async () => {
    const sub = await TestClient.connect(run.wsUrl);
    assert.equal((await sub.request({ type: "subscribe", topic: "content.new" })).type, "ack");
    await waitFor(() => crawler.topicPeers(TOPIC) > 0, { what: "the connector's subscription", timeout: 20_000 });
    const good = await kubo.putRaw(document({ id: "c1", title: "Budget vote" }));
    const forged = await kubo.putRaw(document({ id: "c2", title: "Fake" }, forger.privateKey));
    const unsigned = await kubo.putRaw(document({ id: "c3", title: "Unsigned" }, crawlerKey.privateKey, false));
    for (const cid of [forged, unsigned, good]) await crawler.publish(TOPIC, Buffer.from(cid.toString()));
    const [event] = await sub.events(1, 20_000);
    assert.equal(event?.id, good.toString());
    assert.equal(event?.verified, true);
    assert.equal(event?.publisher, "crawler-7");
    assert.deepEqual(event?.data, { id: "c1", title: "Budget vote" });
    const headers = { "x-api-key": "ipfs-verify-test-key-0123456789" };
    let letters: Array<{ code: string; stage: string; request: { id?: string } }> = [];
    await waitFor(
      async () => {
        const r = await getJson(`${run.url}/api/dead-letters?source=lodestar&limit=10`, headers);
        letters = (r.body as { deadLetters: typeof letters }).deadLetters;
        return letters.length === 2;
      },
      { what: "two dead letters", timeout: 20_000 },
    );
    assert.deepEqual(
      letters.map((d) => [d.stage, d.code, d.request.id]).sort(),
      [
        ["verify", "bad_signature", forged.toString()],
        ["verify", "bad_signature", unsigned.toString()],
      ].sort(),
    );
    assert.equal(sub.frames.filter((f) => f.type === "event").length, 0, "nothing else reached the subscriber");
    sub.close();
  });
});
