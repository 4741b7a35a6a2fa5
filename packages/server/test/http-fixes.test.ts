/**
 * HTTP and configuration answers that say what is wrong: a history read never creates a topic,
 * a form body is 415, an unknown field is named, config paths number list items from 0 in
 * brackets everywhere, enum errors list the allowed values, HS secrets need 32 characters.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConfigError, resolveConfig } from "../src/config.js";
import { getJson, postJson, type Running, startGateway } from "./helpers.js";

function problems(input: unknown): string[] {
  try {
    resolveConfig(input as never);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("the configuration was accepted");
}

describe("HTTP answers", () => {
  let g: Running;
  before(async () => {
    g = await startGateway({});
  });
  after(() => g.close());

  it("reading the history of an unknown topic does not create it", async () => {
    const before = (await getJson(`${g.url}/api/info`)).body.topics;
    const res = await getJson(`${g.url}/api/topics/nope.never.published/history`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.events, []);
    assert.equal((await getJson(`${g.url}/api/info`)).body.topics, before);
  });

  it("answers a form body with 415 unsupported_media_type", async () => {
    const res = await fetch(`${g.url}/api/publish`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "topic=a.b&data=1",
    });
    assert.equal(res.status, 415);
    assert.equal(((await res.json()) as { code: string }).code, "unsupported_media_type");
  });

  it("names the unknown field of a body", async () => {
    const res = await postJson(`${g.url}/api/publish`, { topic: "a.b", data: 1, evnt: "typo" });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, "bad_request");
    assert.match(String(res.body.error), /unknown field "evnt"/);
  });
});

describe("configuration errors", () => {
  it("number list items from 0 in brackets, like every other check", () => {
    const found = problems({ namespaces: [{ prefix: "a" }, { prefix: "b", history: { size: -1 } }] });
    assert.ok(
      found.some((p) => p.startsWith("config.namespaces[1].history.size")),
      found.join("\n"),
    );
  });

  it("list the allowed values of an enum", () => {
    const found = problems({ log: { level: "loud" } });
    assert.ok(
      found.some(
        (p) => p === 'config.log.level must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent"',
      ),
      found.join("\n"),
    );
  });

  it("refuse an HS secret shorter than 32 characters", () => {
    const found = problems({ auth: { jwtSecret: "twenty-characters-20" } });
    assert.ok(
      found.some((p) => p.includes("config.auth.jwtSecret") && p.includes("32")),
      found.join("\n"),
    );
    resolveConfig({ auth: { jwtSecret: "x".repeat(32) } });
  });
});
