/**
 * Refusals reach the application as terminal states with their code, never as endless retries:
 * an Origin refused on the upgrade (a 4504 close, or HTTP 403 with `server.originRefusal: http`), a missing token where one is required (4501),
 * and the client's connect timeout outlasting the server's auth deadline by default.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CloseCode } from "@herald/protocol";
import { WebSocket } from "ws";
import { DEFAULTS } from "../../server/src/config.js";
import type { ConnectionState } from "../src/index.js";
import { resolveOptions } from "../src/options.js";
import { type Running, startGateway, testClient } from "./support.js";

/** Resolves with the first `closed` state after `connect()`, counting the attempts before it. */
function firstClosed(
  client: ReturnType<typeof testClient>,
  ms = 20_000,
): Promise<{ state: ConnectionState; attempts: number }> {
  let attempts = 0;
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no terminal close within ${ms} ms (${attempts} attempts)`)), ms);
    client.on("state", (state) => {
      if (state.status === "connecting") attempts++;
      if (state.status === "closed" && state.reason.kind !== "client") {
        clearTimeout(t);
        resolve({ state, attempts });
      }
    });
    client.connect();
  });
}

class EvilOrigin extends WebSocket {
  constructor(url: string) {
    super(url, { origin: "https://evil.example" });
  }
}

describe("client refusals", () => {
  let g: Running;
  before(async () => {
    g = await startGateway({
      server: { allowedOrigins: ["https://app.example"] },
      auth: { anonymous: false, jwtSecret: "refusals-secret-0123456789abcdefgh" },
      timeouts: { authMs: 300 },
    });
  });
  after(() => g.close());

  /** An evil-Origin client against `url` ends closed with 4504 and `message`, after one attempt. */
  async function refusedOrigin(url: string, message: string): Promise<void> {
    const client = testClient(url, { WebSocket: EvilOrigin });
    try {
      const { state, attempts } = await firstClosed(client);
      assert.equal(attempts, 1, "no retry after the refusal");
      assert.deepEqual(state.status === "closed" && state.reason, {
        kind: "server",
        code: CloseCode.forbiddenOrigin,
        message,
      });
    } finally {
      client.close();
    }
  }

  it("an Origin refused (a 4504 close, as browsers see it too) closes the client for good", () =>
    refusedOrigin(g.wsUrl, "origin not allowed"));

  it("an Origin refused with HTTP 403 (server.originRefusal: http) closes the Node client for good with 4504", async () => {
    const h = await startGateway({ server: { allowedOrigins: ["https://app.example"], originRefusal: "http" } });
    try {
      await refusedOrigin(h.wsUrl, "HTTP 403 on the upgrade: origin not allowed");
    } finally {
      await h.close();
    }
  });

  it("no token where one is required: the 4501 close reaches the application", async () => {
    const client = testClient(g.wsUrl);
    try {
      const { state, attempts } = await firstClosed(client);
      assert.equal(attempts, 1);
      assert.equal(
        state.status === "closed" && state.reason.kind === "server" && state.reason.code,
        CloseCode.authTimeout,
      );
    } finally {
      client.close();
    }
  });

  it("by default the connect timeout outlasts the server's auth deadline", () => {
    assert.ok(resolveOptions({ url: "ws://x/ws", WebSocket }).connectTimeoutMs > DEFAULTS.timeouts.authMs);
  });
});
