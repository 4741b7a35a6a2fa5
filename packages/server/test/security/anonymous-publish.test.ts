// The default: anonymous connections read but do not write (`auth.anonymousPublish: false`); a
// user with a token, the HTTP API and in-process code publish as before; turning the option on
// restores anonymous publishing where the namespace allows it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { io } from "socket.io-client";
import { mintToken } from "../../src/auth/jwt.js";
import { createGateway, type Gateway } from "../../src/gateway.js";
import { postJson, TestClient } from "../helpers.js";

const SECRET = "anonymous-publish-secret-0123456789";
const KEY = "anonymous-publish-api-key-0123456789";

async function start(auth: Record<string, unknown>): Promise<{ g: Gateway; url: string; ws: string }> {
  // Not the test helpers' config, which turns anonymous publishing on: the product default here.
  const g = createGateway({
    defaultMetrics: false,
    config: {
      log: { level: "silent" },
      timeouts: { shutdownMs: 200 },
      auth: { jwtSecret: SECRET, apiKeys: [KEY], ...auth },
    },
  });
  const { port } = await g.listen({ port: 0, host: "127.0.0.1" });
  return { g, url: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/ws` };
}

describe("anonymous publishing", () => {
  let off: Awaited<ReturnType<typeof start>>;
  let on: Awaited<ReturnType<typeof start>>;
  before(async () => {
    off = await start({});
    on = await start({ anonymousPublish: true });
  });
  after(async () => {
    await off.g.close();
    await on.g.close();
  });

  it("is refused by default on the native protocol, with a hint; a token user and the HTTP API publish", async () => {
    assert.equal(off.g.config.auth.anonymousPublish, false);
    const anon = await TestClient.connect(off.ws);
    const sub = await anon.request({ type: "subscribe", topic: "room.a" });
    assert.equal(sub.type, "ack", "reading stays open");
    const refused = await anon.request({ type: "publish", topic: "room.a", data: 1 });
    assert.deepEqual([refused.type, refused.code], ["error", "forbidden"]);
    assert.match(String(refused.error), /auth\.anonymousPublish/);
    const user = await TestClient.connect(`${off.ws}?token=${await mintToken(SECRET, "ann")}`);
    assert.equal((await user.request({ type: "publish", topic: "room.a", data: 2 })).type, "ack");
    const api = await postJson(`${off.url}/api/publish`, { topic: "room.a", data: 3 }, { "x-api-key": KEY });
    assert.equal(api.status, 200);
    // The anonymous reader got the two accepted events, nothing of its own refused one.
    const got = [await anon.next((f) => f.type === "event"), await anon.next((f) => f.type === "event")];
    assert.deepEqual(
      got.map((f) => f.data),
      [2, 3],
    );
    anon.close();
    user.close();
  });

  it("is refused by default over Socket.IO too", async () => {
    const socket = io(off.url, { transports: ["websocket"] });
    try {
      await new Promise<void>((r) => socket.once("connection_established", () => r()));
      const answer = (await socket.timeout(5000).emitWithAck("publish", { topic: "room.b", data: 1 })) as {
        ok: boolean;
        code?: string;
      };
      assert.deepEqual([answer.ok, answer.code], [false, "forbidden"]);
    } finally {
      socket.close();
    }
  });

  it("is allowed with auth.anonymousPublish: true", async () => {
    const anon = await TestClient.connect(on.ws);
    assert.equal((await anon.request({ type: "publish", topic: "room.a", data: 1 })).type, "ack");
    anon.close();
  });
});
