/**
 * A gateway configured with `store.type: postgres` (real Postgres, own schema): durable
 * history and the inbox survive a restart of the gateway.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { it } from "node:test";
import { mintToken } from "../../src/auth/jwt.js";
import type { HeraldConfigInput } from "../../src/config.js";
import { getJson, postJson, startGateway, TestClient } from "../helpers.js";
import { dropSchema, PG_URL } from "./pg.js";

const SECRET = "pg-gateway-secret-0123456789abcdef";

it("keeps durable history and inboxes in Postgres across a gateway restart", async () => {
  const schema = `herald_g_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  const config: HeraldConfigInput = {
    auth: { jwtSecret: SECRET },
    store: { type: "postgres", url: PG_URL, schema },
    namespaces: [{ prefix: "ledger", durable: true, history: { size: 100, ttlSeconds: 0 } }],
  };
  try {
    let g = await startGateway(config);
    const acks = [];
    try {
      for (let i = 1; i <= 5; i++)
        acks.push((await postJson(`${g.url}/api/publish`, { topic: "ledger.a", data: i })).body);
      assert.equal(
        (await postJson(`${g.url}/api/users/dana/notifications`, { title: "hi", message: "m" })).status,
        201,
      );
    } finally {
      await g.close();
    }
    g = await startGateway(config);
    try {
      const history = await getJson(`${g.url}/api/topics/ledger.a/history`);
      assert.equal(history.body.epoch, acks[0]?.epoch);
      assert.deepEqual(
        (history.body.events as Array<{ data: number }>).map((e) => e.data),
        [1, 2, 3, 4, 5],
      );
      const c = await TestClient.connect(g.wsUrl);
      const ack = await c.request({ type: "subscribe", topic: "ledger.a", since: { epoch: acks[0]?.epoch, seq: 3 } });
      assert.equal(ack.recovered, true);
      assert.deepEqual(
        (await c.events(2)).map((e) => e.data),
        [4, 5],
      );
      c.close();
      const inbox = await getJson(`${g.url}/api/me/notifications`, {
        authorization: `Bearer ${await mintToken(SECRET, "dana")}`,
      });
      assert.deepEqual(
        (inbox.body.notifications as Array<{ title: string }>).map((n) => n.title),
        ["hi"],
      );
    } finally {
      await g.close();
    }
  } finally {
    await dropSchema(schema);
  }
});
