/**
 * The IPFS pubsub connector with real libp2p gossipsub peers on loopback: a crawler peer
 * announces content by CID on `lodestar.new_content`; in `kubo` mode Herald reads the topic
 * through the real `kubo-rpc-client` from a peer faithful to the Kubo RPC API (no Kubo daemon
 * can run here), in `embedded` mode through its own libp2p peer.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { CID } from "multiformats/cid";
import type { IpfsConnector } from "../../src/connectors/ipfs/ipfs.js";
import { type PubsubPeer, startPubsubPeer } from "../../src/connectors/ipfs/libp2p-node.js";
import { KuboPeer } from "../peers/kubo-peer.js";
import { type ConnectorRig, connectorRig } from "./harness.js";

const TOPIC = "lodestar.new_content";
const keys = generateKeyPairSync("ed25519");

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A crawler's signed document, as Lodestar's crawlers store it on IPFS. */
function signedDocument(content: Record<string, unknown>): Uint8Array {
  const sig = sign(null, Buffer.from(JSON.stringify(content)), keys.privateKey).toString("base64");
  return Buffer.from(JSON.stringify({ content, publisher: "crawler-7", kid: "k1", sig }));
}

function article(n: number) {
  return {
    id: `content-${n}`,
    type: "article",
    title: `Budget vote ${n}`,
    summary: "Parliament passed the budget",
    source: "trusted_news",
    timestamp: "2026-11-24T10:00:00Z",
  };
}

describe("IPFS pubsub connector", () => {
  let rig: ConnectorRig;
  let kubo: KuboPeer;
  let endpoints: { rpc: string; gateway: string };
  let crawler: PubsubPeer;

  before(async () => {
    rig = await connectorRig();
    kubo = new KuboPeer();
    endpoints = await kubo.start();
    crawler = await startPubsubPeer();
    crawler.subscribe(TOPIC, () => {});
    await kubo.node.dial(crawler.addresses[0] as string);
  });
  after(async () => {
    await rig.close();
    await crawler.stop();
    await kubo.close();
  });

  const announce = (payload: string | CID) => crawler.publish(TOPIC, Buffer.from(String(payload)));

  it("kubo mode: fetches announced content, checks it against its CID and publishes it once", async () => {
    const sub = await rig.subscriber("content.new");
    const connector = await rig.build<IpfsConnector>({
      type: "ipfs",
      name: "lodestar",
      options: { mode: "kubo", kuboUrl: endpoints.rpc, checkIntervalMs: 200 },
    });
    await rig.start(connector);
    await waitFor("the Kubo subscription and the gossipsub mesh", () => crawler.topicPeers(TOPIC) > 0);
    const a = await kubo.putRaw(signedDocument(article(1)));
    const b = await kubo.putFile(signedDocument(article(2)));
    const c = await kubo.putRaw(Buffer.from(JSON.stringify({ note: "unsigned" })));
    await announce(JSON.stringify({ cid: a.toString() }));
    await waitFor("the first event", () => sub.frames.some((f) => f.type === "event"));
    await announce(b); // a bare CIDv0 string, as `ipfs add` prints it
    await waitFor("the second event", () => sub.frames.filter((f) => f.type === "event").length === 2);
    await announce(JSON.stringify({ ipfs_hash: c.toString() }));
    await announce(JSON.stringify({ cid: a.toString() })); // announced again: the same event
    const got = await sub.events(3, 15_000);
    assert.deepEqual(
      got.map((e) => e.id),
      [a.toString(), b.toString(), c.toString()],
    );
    assert.deepEqual(got[0]?.data, article(1));
    assert.equal(got[0]?.event, "content_update");
    assert.equal(got[0]?.source, "lodestar");
    assert.equal(typeof got[0]?.sig, "string", "the crawler's signature travels with the event");
    assert.deepEqual(got[1]?.data, article(2));
    assert.deepEqual(got[2]?.data, { note: "unsigned" });
    await waitFor("the repeated announcement handled", () => connector.health().received === 4);
    await assert.rejects(sub.next("event", 300), /timed out/, "the repeated CID was not delivered twice");
    await connector.stop();
  });

  it("never publishes unknown, unreachable, oversized, mismatching or malformed announcements: each is a dead letter with its reason", async () => {
    const sub = await rig.subscriber("bad.content");
    const before = await rig.deadLetters.count();
    const connector = await rig.build<IpfsConnector>({
      type: "ipfs",
      name: "lodestar-bad",
      topic: "bad.content",
      options: {
        mode: "kubo",
        kuboUrl: endpoints.rpc,
        maxContentBytes: 2048,
        fetchTimeoutMs: 2000,
      },
    });
    await rig.start(connector);
    await waitFor("the Kubo subscription", () => crawler.topicPeers(TOPIC) > 0);
    const unknown = await new KuboPeer().putRaw(Buffer.from("never stored on the peer")); // CID of nothing the peer has
    const big = await kubo.putRaw(Buffer.alloc(4096, 97));
    const lied = await kubo.putRaw(signedDocument(article(3)));
    kubo.serveWrong(lied, signedDocument(article(666)));
    const part = await kubo.putRaw(Buffer.from("part"));
    const multi = await kubo.putFile(Buffer.from(""), [part]);
    const notJson = await kubo.putRaw(Buffer.from("\xff\xfe not json"));
    for (const payload of [
      unknown.toString(),
      big.toString(),
      lied.toString(),
      multi.toString(),
      notJson.toString(),
      "{oops",
      "not-a-cid",
    ]) {
      await announce(payload);
    }
    await waitFor("seven dead letters", async () => (await rig.deadLetters.count()) - before === 7);
    const letters = (await rig.deadLetters.list({ limit: 100, source: "lodestar-bad" })).map((d) => [
      d.code,
      d.request.id ?? null,
    ]);
    assert.deepEqual(
      letters.map(([code, id]) => [code, String(id).startsWith("lodestar-bad:") ? "generated" : id]).sort(),
      [
        ["bad_request", "generated"],
        ["bad_request", "generated"],
        ["bad_request", notJson.toString()],
        ["content_mismatch", lied.toString()],
        ["content_unavailable", unknown.toString()],
        ["payload_too_large", big.toString()],
        ["payload_too_large", multi.toString()],
      ].sort(),
    );
    assert.equal(sub.frames.filter((f) => f.type === "event").length, 0, "nothing reached a subscriber");
    assert.equal(connector.health().rejected, 7);
    await connector.stop();
  });

  it("resubscribes after the Kubo node restarted", async () => {
    const sub = await rig.subscriber("restart.content");
    const connector = await rig.build<IpfsConnector>({
      type: "ipfs",
      name: "lodestar-restart",
      topic: "restart.content",
      options: {
        mode: "kubo",
        kuboUrl: endpoints.rpc,
        checkIntervalMs: 100,
      },
    });
    await rig.start(connector);
    await waitFor("the subscription", () => crawler.topicPeers(TOPIC) > 0);
    kubo.restart();
    await waitFor(
      "the resubscription",
      () => connector.health().reconnects >= 1 && connector.health().state === "running",
    );
    const cid = await kubo.putRaw(signedDocument(article(4)));
    // Pubsub keeps nothing for a subscriber between two subscriptions: the crawler repeats its
    // announcement until it is heard; the CID as event id makes the repeats one event.
    await waitFor("the announcement after the restart", async () => {
      await announce(cid);
      return sub.frames.some((f) => f.type === "event");
    });
    const [event] = await sub.events(1, 15_000);
    assert.equal(event?.id, cid.toString());
    await new Promise((r) => setTimeout(r, 300)); // repeats still in flight are duplicates by id
    assert.equal(sub.frames.filter((f) => f.type === "event").length, 0, "the repeats were one event");
    await connector.stop();
  });

  it("embedded mode: its own libp2p peer hears the crawler and fetches from a trustless gateway", async () => {
    const sub = await rig.subscriber("embedded.content");
    const connector = await rig.build<IpfsConnector>({
      type: "ipfs",
      name: "lodestar-embedded",
      topic: "embedded.content",
      options: {
        mode: "embedded",
        listen: ["/ip4/127.0.0.1/tcp/0"],
        peers: [`${crawler.addresses[0]}`],
        gateway: endpoints.gateway,
        checkIntervalMs: 200,
      },
    });
    await rig.start(connector);
    const own = connector.embeddedPeer()?.peerId as string;
    assert.match(own, /^12D3KooW/);
    await waitFor("the crawler to see the embedded peer on the topic", () => crawler.topicPeers(TOPIC) >= 2);
    const cid = await kubo.putRaw(signedDocument(article(5)));
    // A peer that just subscribed joins the crawler's gossipsub mesh at a later heartbeat, and
    // pubsub keeps nothing: the crawler repeats its announcement until it is heard (the CID as
    // event id makes the repeats one event).
    await waitFor("the announcement heard by the embedded peer", async () => {
      await announce(cid);
      return sub.frames.some((f) => f.type === "event");
    });
    const [event] = await sub.events(1, 15_000);
    assert.equal(event?.id, cid.toString());
    assert.deepEqual(event?.data, article(5));
    await connector.stop();
  });
});
