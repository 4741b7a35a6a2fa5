/** Aggregations and alert rules on a gateway whose store is the real Postgres: definitions and rule state survive a restart. */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, it } from "node:test";
import type { HeraldConfigInput } from "../../src/config.js";
import { getJson, postJson, startGateway } from "../helpers.js";
import { dropSchema, PG_URL } from "./pg.js";

const schema = `herald_cg_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
after(() => dropSchema(schema));

const config = {
  store: { type: "postgres", url: PG_URL, schema },
  compute: { enabled: true },
} as HeraldConfigInput;

describe("compute on the Postgres store", () => {
  it("keeps aggregations, rules and a firing rule's state across a restart", async () => {
    let g = await startGateway(config);
    try {
      const agg = await postJson(`${g.url}/api/aggregations`, { name: "volume", topic: "posts", window: "1m" });
      assert.equal(agg.status, 201, JSON.stringify(agg.body));
      const rule = await postJson(`${g.url}/api/alerts`, {
        id: "kw",
        topic: "posts",
        field: "text",
        condition: "contains",
        threshold: "fraud",
        channel: "critical_alerts",
      });
      assert.equal(rule.status, 201, JSON.stringify(rule.body));
      await postJson(`${g.url}/api/publish`, { topic: "posts", data: { text: "fraud!" } });
      const deadline = Date.now() + 5000;
      while ((await getJson(`${g.url}/api/alerts/kw`)).body.state !== "firing") {
        assert.ok(Date.now() < deadline, "the rule fires");
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      await g.close();
    }
    g = await startGateway(config);
    try {
      assert.equal((await getJson(`${g.url}/api/aggregations/volume`)).status, 200);
      const view = await getJson(`${g.url}/api/alerts/kw`);
      assert.deepEqual([view.status, view.body.state], [200, "firing"]);
      assert.equal(typeof view.body.lastFired, "number");
    } finally {
      await g.close();
    }
  });
});
