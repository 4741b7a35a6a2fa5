/**
 * The publish budget per IP and per user (issue 11, item 12): reconnecting does not multiply
 * the documented publish rate, because the budget is shared by every connection of one address
 * and of one user. Bounds are computed from the configured rate and the elapsed time.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { mintToken } from "../../src/auth/jwt.js";
import { startGateway, TestClient } from "../helpers.js";

const SECRET = "publish-budget-secret-0123456789abcdef";

/** Opens `connections` connections one after another, each sending `each` publishes; counts acks and refusals. */
async function burstOverReconnects(url: string, topic: string, connections: number, each: number) {
  let acked = 0;
  let limited = 0;
  for (let c = 0; c < connections; c++) {
    const client = await TestClient.connect(url);
    const answers = await Promise.all(
      Array.from({ length: each }, () => client.request({ type: "publish", topic, data: c })),
    );
    for (const a of answers) {
      if (a.type === "ack") acked++;
      else if (a.code === "rate_limited") limited++;
      else assert.fail(`unexpected answer ${JSON.stringify(a)}`);
    }
    client.close();
    await client.closed;
  }
  return { acked, limited };
}

describe("publish budget across connections", () => {
  it("one IP cannot multiply its publish rate by reconnecting", async () => {
    const g = await startGateway({
      publishBudget: { perIpPerSecond: 10, perIpBurst: 20, perUserPerSecond: 0, perUserBurst: 1 },
      limits: { inboundFramesPerSecond: 1000, inboundFrameBurst: 1000 },
    });
    try {
      const started = Date.now();
      const { acked, limited } = await burstOverReconnects(g.wsUrl, `b.${randomUUID().slice(0, 6)}`, 10, 20);
      const bound = 20 + Math.ceil((10 * (Date.now() - started)) / 1000);
      assert.ok(acked <= bound, `accepted ${acked} publishes; the budget allows at most ${bound}`);
      assert.equal(acked + limited, 200);
      assert.ok(limited > 0);
    } finally {
      await g.close();
    }
  });

  it("one user cannot multiply its publish rate over connections; another user keeps its own budget", async () => {
    const g = await startGateway({
      auth: { jwtSecret: SECRET, anonymous: false },
      publishBudget: { perIpPerSecond: 0, perIpBurst: 1, perUserPerSecond: 10, perUserBurst: 20 },
      limits: { inboundFramesPerSecond: 1000, inboundFrameBurst: 1000 },
    });
    try {
      const topic = `u.${randomUUID().slice(0, 6)}`;
      const alice = `${g.wsUrl}?token=${await mintToken(SECRET, "alice")}`;
      const started = Date.now();
      const { acked } = await burstOverReconnects(alice, topic, 10, 20);
      const bound = 20 + Math.ceil((10 * (Date.now() - started)) / 1000);
      assert.ok(acked <= bound, `alice got ${acked} publishes accepted; her budget allows at most ${bound}`);
      const bob = await TestClient.connect(`${g.wsUrl}?token=${await mintToken(SECRET, "bob")}`);
      assert.equal((await bob.request({ type: "publish", topic, data: "bob" })).type, "ack");
      bob.close();
    } finally {
      await g.close();
    }
  });
});
