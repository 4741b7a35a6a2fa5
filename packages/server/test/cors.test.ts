/**
 * CORS on the HTTP API from `server.allowedOrigins` (a page on an allowed origin can call
 * `/api/me/*`, preflight included), and refusals that leave a trace in the logs: Origin
 * refusals on the upgrade and auth failures at info, rate-limited.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { createLogger, RateLimitedLog } from "../src/log.js";
import { type Running, startGateway } from "./helpers.js";

/** A logger that keeps its JSON lines in memory. */
function memoryLogger(level = "info") {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** Resolves once `lines` holds one with `msg`; fails naming it after `ms`. */
async function logged(lines: Record<string, unknown>[], msg: string, ms = 10_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = lines.find((l) => l.msg === msg);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no "${msg}" log line; got ${JSON.stringify(lines.map((l) => l.msg))}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe("CORS and refusal logs", () => {
  const log = memoryLogger();
  let g: Running;
  let closed: Running;
  before(async () => {
    g = await startGateway(
      { server: { allowedOrigins: ["https://app.example"] }, auth: { jwtSecret: "cors-test-secret-0123456789abcdef" } },
      { logger: log.logger },
    );
    closed = await startGateway({});
  });
  after(async () => {
    await g.close();
    await closed.close();
  });

  it("answers a preflight for /api/me/notifications from an allowed origin", async () => {
    const res = await fetch(`${g.url}/api/me/notifications`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example");
    assert.match(res.headers.get("access-control-allow-headers") ?? "", /authorization/);
  });

  it("gives no CORS headers to an origin that is not allowed, or when no origin is configured", async () => {
    const evil = await fetch(`${g.url}/api/me/notifications`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
    });
    assert.equal(evil.headers.get("access-control-allow-origin"), null);
    const none = await fetch(`${closed.url}/healthz`, { headers: { origin: "https://app.example" } });
    assert.equal(none.headers.get("access-control-allow-origin"), null);
  });

  it("a plain request from an allowed origin carries the CORS header", async () => {
    const res = await fetch(`${g.url}/api/me/notifications`, { headers: { origin: "https://app.example" } });
    assert.equal(res.status, 401, "still needs a user token");
    assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example");
  });

  it("logs an Origin refusal at info with the origin", async () => {
    const ws = new WebSocket(g.wsUrl, { origin: "https://evil.example" });
    ws.on("error", () => {});
    const line = await logged(log.lines, "upgrade refused: origin not allowed");
    assert.equal(line.level, 30);
    assert.equal(line.origin, "https://evil.example");
  });

  it("logs an auth failure at info without the token", async () => {
    const ws = new WebSocket(`${g.wsUrl}?token=not-a-valid-token`);
    ws.on("error", () => {});
    const line = await logged(log.lines, "auth failed");
    assert.equal(line.level, 30);
    assert.equal(line.code, "unauthorized");
    assert.doesNotMatch(JSON.stringify(line), /not-a-valid-token/);
    ws.close();
  });
});

describe("RateLimitedLog", () => {
  it("logs up to its budget per window, then one summary of what it suppressed", () => {
    const log = memoryLogger();
    let now = 0;
    const limited = new RateLimitedLog(log.logger, "refused", 3, 1000, () => now);
    for (let i = 0; i < 5; i++) limited.info({ i });
    assert.deepEqual(
      log.lines.map((l) => l.i),
      [0, 1, 2],
    );
    now = 1000;
    limited.info({ i: 5 });
    assert.deepEqual(
      log.lines.slice(3).map((l) => [l.msg, l.suppressed, l.i]),
      [
        ["refused (more suppressed)", 2, undefined],
        ["refused", undefined, 5],
      ],
    );
  });

  it("every line carries the pid", () => {
    const log = memoryLogger();
    log.logger.info("x");
    assert.equal(log.lines[0]?.pid, process.pid);
  });
});
