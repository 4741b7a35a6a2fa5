/**
 * The ingest pipeline end to end over HTTP publish and WebSocket: signatures (good, bad,
 * missing, rotated keys), schema failures, duplicates by id and by content, an HTTP enricher
 * timing out with its breaker opening and closing (a real local HTTP server), routing to several
 * topics, dead letters listed and replayed, and filters over enriched fields.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { PublishRequest } from "../../src/engine/broker.js";
import { signedPayload } from "../../src/pipeline/verify.js";
import { getJson, postJson, type Running, startGateway, TestClient } from "../helpers.js";

function keyPair(): { publicKey: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const x = publicKey.export({ format: "jwk" }).x as string;
  return { publicKey: Buffer.from(x, "base64url").toString("base64"), privateKey };
}

const signWith = (privateKey: KeyObject, r: PublishRequest): PublishRequest => ({
  ...r,
  sig: sign(null, signedPayload(r), privateKey).toString("base64"),
});

let n = 0;
const unique = (base: string) => `${base}${++n}x${Date.now().toString(36)}`;

describe("ingest pipeline end to end", () => {
  let g: Running;
  let enricher: Server;
  let enricherMode: "ok" | "slow" = "ok";
  let enricherCalls = 0;
  const k1 = keyPair();
  const k2 = keyPair();
  const crawler = "crawler-7";

  before(async () => {
    enricher = createServer((req, res) => {
      enricherCalls++;
      req.resume();
      req.on("end", () => {
        const answer = () => {
          if (!res.destroyed) res.writeHead(200, { "content-type": "application/json" }).end('{"score":0.5}');
        };
        if (enricherMode === "slow") setTimeout(answer, 2000).unref();
        else answer();
      });
    });
    await new Promise<void>((r) => enricher.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(enricher.address() as AddressInfo).port}/score`;
    g = await startGateway({
      publisherKeys: { keys: [{ publisher: crawler, kid: "k1", alg: "ed25519", publicKey: k1.publicKey }] },
      namespaces: [
        {
          prefix: "crawler",
          pipeline: [
            {
              stage: "validate",
              schemas: {
                content_update: {
                  type: "object",
                  required: ["hash", "text"],
                  properties: { hash: { type: "string", minLength: 4 }, text: { type: "string" } },
                },
              },
            },
            { stage: "verify", mode: "require" },
            { stage: "dedup", fields: ["data.hash"] },
            {
              stage: "enrich",
              use: "categorize",
              rules: [
                { category: "politics", keywords: ["election", "senate"] },
                { category: "economy", keywords: ["inflation", "market"] },
              ],
              fallback: "other",
            },
            { stage: "enrich", use: "sentiment" },
          ],
        },
        {
          prefix: "scored",
          pipeline: [
            {
              stage: "enrich",
              use: "http",
              url,
              target: "external",
              timeoutMs: 150,
              retries: 0,
              breakerFailures: 2,
              halfOpenAfterMs: 400,
              onError: "dead-letter",
            },
          ],
        },
        {
          prefix: "chain",
          pipeline: [
            {
              stage: "route",
              rules: [
                { when: { "wasm.action": "propose" }, topic: "proposal.{proposal_id}", event: "proposal.created" },
                { when: { "wasm.action": "invest" }, topic: "investment.{proposal_id}", event: "investment.made" },
                { when: { "wasm.action": "invest" }, topic: "market.price.{symbol}", event: "price" },
              ],
            },
          ],
        },
      ],
    });
  });
  after(async () => {
    await g.close();
    enricher.closeAllConnections();
    enricher.close();
  });

  const content = (topic: string, hash: string, text: string, over: Partial<PublishRequest> = {}): PublishRequest => ({
    topic,
    event: "content_update",
    data: { hash, text },
    publisher: crawler,
    kid: "k1",
    ...over,
  });

  it("a signed event is validated, verified, enriched and delivered (filtered by its category) with provenance", async () => {
    const topic = unique("crawler.news.");
    const politics = await TestClient.connect(g.wsUrl);
    await politics.request({ type: "subscribe", topic, filter: { category: "politics", verified: true } });
    const r = await postJson(
      `${g.url}/api/publish`,
      signWith(k1.privateKey, content(topic, unique("h-"), "A great senate election result")),
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await postJson(`${g.url}/api/publish`, signWith(k1.privateKey, content(topic, unique("h-"), "inflation is up")));
    await postJson(`${g.url}/api/publish`, signWith(k1.privateKey, content(topic, unique("h-"), "senate votes")));
    const [first, second] = await politics.events(2);
    assert.equal(first?.publisher, crawler);
    assert.equal(first?.verified, true);
    assert.equal(first?.kid, "k1");
    const data = (first as unknown as { data: unknown }).data as {
      category: string;
      tags: string[];
      sentiment: { label: string; score: number };
    };
    assert.equal(data.category, "politics");
    assert.equal(data.sentiment.label, "positive");
    assert.equal(
      (second as unknown as { data: { text: string } }).data.text,
      "senate votes",
      "the economy event in between was filtered out",
    );
    politics.close();
  });

  it("refuses bad, missing and unknown-key signatures with bad_signature, and schema failures with invalid_event", async () => {
    const topic = unique("crawler.news.");
    const good = content(topic, unique("h-"), "x");
    const bad = { ...signWith(k1.privateKey, good), data: { hash: good.data && "tampered", text: "x" } };
    for (const body of [bad, good, signWith(k1.privateKey, { ...good, kid: "nope" }), signWith(k2.privateKey, good)]) {
      const r = await postJson(`${g.url}/api/publish`, body);
      assert.equal(r.status, 401, JSON.stringify(r.body));
      assert.equal(r.body.code, "bad_signature");
    }
    const invalid = await postJson(`${g.url}/api/publish`, signWith(k1.privateKey, content(topic, "h", "short hash")));
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.code, "invalid_event");
    assert.match(String(invalid.body.error), /^data\.hash /);
  });

  it("rotates keys through the admin API: a new kid verifies, a removed one no longer does", async () => {
    const topic = unique("crawler.news.");
    const put = await fetch(`${g.url}/api/publisher-keys/${crawler}/k2`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ alg: "ed25519", publicKey: k2.publicKey }),
    });
    assert.equal(put.status, 200);
    const listed = await getJson(`${g.url}/api/publisher-keys`);
    assert.deepEqual((listed.body.keys as Array<{ kid: string }>).map((k) => k.kid).sort(), ["k1", "k2"]);
    const withK2 = signWith(k2.privateKey, content(topic, unique("h-"), "rotated", { kid: "k2" }));
    const ok = await postJson(`${g.url}/api/publish`, withK2);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const withK1 = await postJson(`${g.url}/api/publish`, signWith(k1.privateKey, content(topic, unique("h-"), "old")));
    assert.equal(withK1.status, 200, "the old key still verifies during the rotation");
    const del = await fetch(`${g.url}/api/publisher-keys/${crawler}/k2`, { method: "DELETE" });
    assert.equal(del.status, 200);
    const after = await postJson(
      `${g.url}/api/publish`,
      signWith(k2.privateKey, content(topic, unique("h-"), "late", { kid: "k2" })),
    );
    assert.equal(after.body.code, "bad_signature");
  });

  it("delivers a duplicate by id or by content once: both answer duplicate with the original event", async () => {
    const topic = unique("crawler.dups.");
    const c = await TestClient.connect(g.wsUrl);
    await c.request({ type: "subscribe", topic });
    const hash = unique("h-");
    const first = await postJson(
      `${g.url}/api/publish`,
      signWith(k1.privateKey, content(topic, hash, "one", { id: "orig-1" })),
    );
    const byId = await postJson(
      `${g.url}/api/publish`,
      signWith(k1.privateKey, content(topic, hash, "one", { id: "orig-1" })),
    );
    const byContent = await postJson(
      `${g.url}/api/publish`,
      signWith(k1.privateKey, content(topic, hash, "same hash, new id", { id: "new-2" })),
    );
    assert.equal(first.body.duplicate, false);
    for (const dup of [byId, byContent]) {
      assert.equal(dup.status, 200, JSON.stringify(dup.body));
      assert.equal(dup.body.duplicate, true);
      assert.equal(dup.body.id, "orig-1");
      assert.equal(dup.body.seq, first.body.seq);
    }
    await postJson(`${g.url}/api/publish`, signWith(k1.privateKey, content(topic, unique("h-"), "marker")));
    const events = await c.events(2);
    assert.deepEqual(
      events.map((e) => (e.data as { text: string }).text),
      ["one", "marker"],
      "nothing delivered twice",
    );
    c.close();
  });

  it("an enrichment timeout dead-letters the event, the breaker opens and closes, and a replay publishes it", async () => {
    const topic = unique("scored.posts.");
    enricherMode = "slow";
    enricherCalls = 0;
    const refusals = [];
    for (const i of [1, 2, 3]) refusals.push(await postJson(`${g.url}/api/publish`, { topic, data: { i } }));
    for (const r of refusals) {
      assert.equal(r.status, 502, JSON.stringify(r.body));
      assert.equal(r.body.code, "enrichment_failed");
    }
    assert.ok(enricherCalls <= 2, "the breaker opened after two timeouts: the third call never reached the service");
    assert.match(String(refusals[2]?.body.error), /circuit breaker is open/i);
    const listed = await getJson(`${g.url}/api/dead-letters?limit=100`);
    const mine = (listed.body.deadLetters as Array<{ id: string; stage: string; request: { topic: string } }>).filter(
      (d) => d.request.topic === topic,
    );
    assert.equal(mine.length, 3);
    assert.ok(mine.every((d) => d.stage === "enrich"));
    enricherMode = "ok";
    const c = await TestClient.connect(g.wsUrl);
    await c.request({ type: "subscribe", topic });
    // The breaker lets a trial call through once halfOpenAfterMs has passed: replay until it does.
    const deadline = Date.now() + 5000;
    let pending = mine.map((d) => d.id);
    while (pending.length > 0) {
      if (Date.now() > deadline) throw new Error(`dead letters ${pending.join(",")} not replayed within 5 s`);
      const replay = await postJson(`${g.url}/api/dead-letters/replay`, { ids: pending });
      const results = replay.body.results as Array<{ id: string; status: string }>;
      pending = results.filter((x) => x.status !== "published").map((x) => x.id);
      if (pending.length > 0) await new Promise((r) => setTimeout(r, 100));
    }
    const delivered = await c.events(3);
    assert.deepEqual(
      delivered.map((e) => (e.data as { i: number; external: unknown }).external),
      [{ score: 0.5 }, { score: 0.5 }, { score: 0.5 }],
    );
    const left = await getJson(`${g.url}/api/dead-letters?limit=100`);
    assert.ok(!(left.body.deadLetters as Array<{ request: { topic: string } }>).some((d) => d.request.topic === topic));
    c.close();
  });

  it("routes one raw chain event to several typed topics", async () => {
    const id = unique("tx-");
    const a = await TestClient.connect(g.wsUrl);
    await a.request({ type: "subscribe", topic: "investment.*" });
    await a.request({ type: "subscribe", topic: "market.price.>" });
    const r = await postJson(`${g.url}/api/publish`, {
      topic: "chain.raw",
      id,
      data: { wasm: { action: "invest" }, proposal_id: 42, symbol: "CF1-001" },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.topic, "investment.42");
    assert.deepEqual(
      (r.body.routed as Array<{ topic: string }>).map((x) => x.topic),
      ["market.price.CF1-001"],
    );
    const got = await a.events(2);
    assert.deepEqual(got.map((e) => [e.topic, e.event, e.id]).sort(), [
      ["investment.42", "investment.made", `${id}~1`],
      ["market.price.CF1-001", "price", `${id}~2`],
    ]);
    a.close();
  });

  it("a source's refused event is dead-lettered with its stage and replayed once the key is known", async () => {
    const topic = unique("crawler.feed.");
    const k3 = keyPair();
    const req = signWith(
      k3.privateKey,
      content(topic, unique("h-"), "from a new crawler", { publisher: "crawler-9", kid: "a" }),
    );
    const result = await g.gateway.ingest.offer({ ...req, source: "ipfs" });
    assert.equal(result.status, "dead-lettered");
    const listed = await getJson(`${g.url}/api/dead-letters?source=ipfs`);
    const entry = (listed.body.deadLetters as Array<{ id: string; stage: string; code: string }>)[0];
    assert.equal(entry?.stage, "verify");
    assert.equal(entry?.code, "bad_signature");
    await fetch(`${g.url}/api/publisher-keys/crawler-9/a`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ alg: "ed25519", publicKey: k3.publicKey }),
    });
    const replay = await postJson(`${g.url}/api/dead-letters/replay`, { all: true, source: "ipfs" });
    assert.deepEqual(
      (replay.body.results as Array<{ status: string }>).map((x) => x.status),
      ["published"],
    );
  });
});
