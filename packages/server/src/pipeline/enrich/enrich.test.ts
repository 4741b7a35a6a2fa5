import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { HeraldError } from "@herald/protocol";
import type { PublishRequest } from "../../engine/broker.js";
import { MemoryDeadLetterStore } from "../dead-letter-memory.js";
import type { PublishContext } from "../stage.js";
import { Categorizer } from "./categorize.js";
import { EnrichStage } from "./enricher.js";
import { HttpEnricher } from "./http.js";
import { LookupEnricher } from "./lookup.js";
import { SentimentEnricher, scoreText } from "./sentiment.js";

const ctx: PublishContext = { origin: "feed" };
const post = (text: string, extra: Record<string, unknown> = {}): PublishRequest => ({
  topic: "posts",
  data: { text, ...extra },
});

describe("categorize enricher", () => {
  const stage = new EnrichStage(
    new Categorizer({
      use: "categorize",
      rules: [
        { category: "politics", keywords: ["election", "parliament"], tags: ["gov"] },
        { category: "economy", regex: "\\binflation|gdp\\b", tags: ["macro"] },
      ],
      fallback: "other",
    }),
  );

  it("sets the first matching category and every matching rule's tags", () => {
    const out = stage.run(post("Parliament debates inflation"), ctx) as PublishRequest;
    assert.deepEqual(out.data, {
      text: "Parliament debates inflation",
      category: "politics",
      tags: ["politics", "gov", "economy", "macro"],
    });
  });

  it("matches keywords as whole words only, and falls back", () => {
    const out = stage.run(post("preelection chatter"), ctx) as PublishRequest;
    assert.deepEqual((out.data as { category: string }).category, "other");
  });

  it("refuses a rule whose regex does not compile, naming it", () => {
    assert.throws(
      () => new Categorizer({ use: "categorize", rules: [{ category: "x", regex: "(" }] }),
      /rules\[0\]\.regex/,
    );
  });
});

describe("sentiment enricher", () => {
  it("scores in -1..1 with a label", () => {
    const stage = new EnrichStage(new SentimentEnricher({ use: "sentiment" }));
    const good = stage.run(post("I love this, it is great"), ctx) as PublishRequest;
    const bad = stage.run(post("terrible awful disaster"), ctx) as PublishRequest;
    const flat = stage.run(post("the table is brown"), ctx) as PublishRequest;
    const s = (r: PublishRequest) => (r.data as { sentiment: { score: number; label: string } }).sentiment;
    assert.equal(s(good).label, "positive");
    assert.equal(s(bad).label, "negative");
    assert.deepEqual(s(flat), { score: 0, label: "neutral" });
    for (const r of [good, bad]) assert.ok(s(r).score >= -1 && s(r).score <= 1);
    assert.ok(scoreText("bad bad bad bad").score < 0);
  });
});

describe("lookup enricher", () => {
  it("writes the row of the key, or the fallback", () => {
    const stage = new EnrichStage(
      new LookupEnricher({
        use: "lookup",
        field: "source_id",
        table: { s1: { name: "Trusted News", trust: 0.9 } },
        target: "source_info",
        fallback: { name: "unknown", trust: 0 },
      }),
    );
    const hit = stage.run(post("x", { source_id: "s1" }), ctx) as PublishRequest;
    assert.deepEqual((hit.data as { source_info: unknown }).source_info, { name: "Trusted News", trust: 0.9 });
    const miss = stage.run(post("x", { source_id: "s9" }), ctx) as PublishRequest;
    assert.deepEqual((miss.data as { source_info: unknown }).source_info, { name: "unknown", trust: 0 });
  });
});

describe("enrich stage onError", () => {
  const failing = {
    kind: "test",
    enrich: () => {
      throw new Error("down");
    },
  };
  it("reject refuses with enrichment_failed, pass publishes unenriched, dead-letter keeps it", async () => {
    assert.throws(() => new EnrichStage(failing, "reject").run(post("x"), ctx), { code: "enrichment_failed" });
    const r = post("x");
    assert.equal(new EnrichStage(failing, "pass").run(r, ctx), r);
    const dead = new MemoryDeadLetterStore();
    await assert.rejects(
      Promise.resolve(new EnrichStage(failing, "dead-letter", dead).run(r, ctx)),
      (err: HeraldError) => {
        assert.equal(err.code, "enrichment_failed");
        assert.equal(typeof (err.details as { deadLetterId: string }).deadLetterId, "string");
        return true;
      },
    );
    const [entry] = await dead.list({ limit: 10 });
    assert.equal(entry?.stage, "enrich");
    assert.equal(entry?.source, "feed");
    assert.deepEqual(entry?.request, r);
  });

  it("an event whose data is not an object follows onError", () => {
    assert.throws(
      () => new EnrichStage(new SentimentEnricher({ use: "sentiment" })).run({ topic: "t", data: "str" }, ctx),
      /not a JSON object/,
    );
  });
});

describe("http enricher", () => {
  let server: Server;
  let url = "";
  let mode: "ok" | "slow" | "fail" = "ok";
  let requests = 0;
  before(async () => {
    server = createServer((req, res) => {
      requests++;
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        if (mode === "fail") {
          res.writeHead(500).end();
          return;
        }
        const answer = () => {
          if (res.destroyed) return;
          const { data } = JSON.parse(body) as { data: { text: string } };
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ length: data.text.length }));
        };
        if (mode === "slow") setTimeout(answer, 2000).unref();
        else answer();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/enrich`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it("merges the service's answer", async () => {
    mode = "ok";
    const stage = new EnrichStage(new HttpEnricher({ use: "http", url }));
    const out = (await stage.run(post("hello"), ctx)) as PublishRequest;
    assert.deepEqual(out.data, { text: "hello", length: 5 });
  });

  it("times out, retries, opens the breaker (no more calls), and closes it once the service is back", async () => {
    const enricher = new HttpEnricher({
      use: "http",
      url,
      timeoutMs: 100,
      retries: 1,
      backoffMs: 10,
      breakerFailures: 2,
      halfOpenAfterMs: 300,
    });
    const stage = new EnrichStage(enricher, "reject");
    mode = "slow";
    requests = 0;
    await assert.rejects(Promise.resolve(stage.run(post("a"), ctx)), { code: "enrichment_failed" });
    assert.equal(enricher.attempts, 2, "one attempt and one retry, each timed out");
    assert.ok(requests <= 2);
    assert.equal(enricher.breakerState, "open");
    const seen = requests;
    await assert.rejects(Promise.resolve(stage.run(post("b"), ctx)), /circuit breaker is open/i);
    assert.equal(enricher.attempts, 2, "an open breaker calls nothing");
    assert.equal(requests, seen);
    mode = "ok";
    // The breaker lets a trial call through once halfOpenAfterMs has passed: poll until it does.
    const deadline = Date.now() + 5000;
    let out: PublishRequest | undefined;
    while (out === undefined) {
      if (Date.now() > deadline) throw new Error("the breaker did not close within 5 s of the service coming back");
      try {
        out = (await stage.run(post("back"), ctx)) as PublishRequest;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    assert.deepEqual(out.data, { text: "back", length: 4 });
    assert.equal(enricher.breakerState, "closed");
  });
});
