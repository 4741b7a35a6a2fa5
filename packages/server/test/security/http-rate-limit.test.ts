// HTTP API rate limit (@fastify/rate-limit) against the real server: every route, including
// routes registered by other modules and unknown paths, answers 429 with the stable error body
// and Retry-After past the per-IP limit; health probes are exempt; 0 disables the limit.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Running, startGateway } from "../helpers.js";

const KEY = "rate-limit-test-key-0123456789";
const headers = { "x-api-key": KEY };

/** Fires `n` requests at once: a fixed one-second window lets at most 2 × max through even across a boundary. */
function burst(url: string, n: number): Promise<Response[]> {
  return Promise.all(Array.from({ length: n }, () => fetch(url, { headers })));
}

/** A gateway of its own (fresh per-IP windows: no test inherits another's), closed after `body`. */
async function withGateway(body: (run: Running) => Promise<void>): Promise<void> {
  const run = await startGateway({ limits: { httpRequestsPerSecond: 3 }, auth: { apiKeys: [KEY] } });
  try {
    await body(run);
  } finally {
    await run.close();
  }
}

describe("HTTP rate limit", () => {
  it("answers 429 with rate_limited, Retry-After and the limit headers", () =>
    withGateway(async (run) => {
      const start = Date.now();
      const res = await burst(`${run.url}/api/info`, 10);
      // One-second windows: a burst inside one window passes 3, across a boundary up to 6; a
      // slow machine may spread it over more windows, each passing at most 3.
      const windows = Math.ceil((Date.now() - start) / 1000) + 1;
      const ok = res.filter((r) => r.status === 200);
      const limited = res.filter((r) => r.status === 429);
      assert.equal(ok.length + limited.length, 10, `statuses: ${res.map((r) => r.status)}`);
      assert.ok(ok.length >= 3 && ok.length <= 3 * windows, `passed: ${ok.length} in ${windows} windows`);
      const first = limited[0] as Response;
      const body = (await first.json()) as { code: string; error: string };
      assert.equal(body.code, "rate_limited");
      assert.match(body.error, /more than 3 requests per second/);
      assert.ok(Number(first.headers.get("retry-after")) >= 1, "Retry-After in whole seconds");
      assert.equal(first.headers.get("x-ratelimit-limit"), "3");
      assert.equal(ok[0]?.headers.get("x-ratelimit-remaining"), null, "no limit headers while under the limit");
    }));

  it("covers unknown paths, never the health probes", () =>
    withGateway(async (run) => {
      const notFound = await burst(`${run.url}/api/no-such-route`, 10);
      assert.ok(
        notFound.some((r) => r.status === 429),
        "404 probing is limited",
      );
      const health = await Promise.all(Array.from({ length: 10 }, () => fetch(`${run.url}/healthz`)));
      assert.deepEqual(
        health.map((r) => r.status),
        Array(10).fill(200),
      );
    }));

  it("covers routes other modules register", () =>
    withGateway(async (run) => {
      const inbox = await burst(`${run.url}/api/me/notifications/unread-count`, 10);
      assert.ok(
        inbox.some((r) => r.status === 429),
        `inbox statuses: ${inbox.map((r) => r.status)}`,
      );
    }));
});

describe("HTTP rate limit disabled", () => {
  let run: Running;
  before(async () => {
    run = await startGateway({ limits: { httpRequestsPerSecond: 0 }, auth: { apiKeys: [KEY] } });
  });
  after(() => run.close());

  it("lets every request through when httpRequestsPerSecond is 0", async () => {
    const res = await burst(`${run.url}/api/info`, 30);
    assert.deepEqual(
      res.map((r) => r.status),
      Array(30).fill(200),
    );
  });
});
