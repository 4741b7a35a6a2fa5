/**
 * Presence and cross-node user features through real gateways: on the memory engine (one
 * node) and on the Redis engine (two gateways in this process sharing a key prefix).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, it } from "node:test";
import { mintToken } from "../../src/auth/jwt.js";
import type { HeraldConfigInput } from "../../src/config.js";
import { getJson, postJson, type Running, startGateway, TestClient } from "../helpers.js";
import { dropPrefix } from "../integration/redis-helpers.js";
import { waitFor } from "../wait-for.js";

const SECRET = "presence-test-secret-0123456789ab";
const prefix = `herald-test-${randomUUID().slice(0, 8)}`;
after(() => dropPrefix(prefix));

function config(engine: "memory" | "redis"): HeraldConfigInput {
  return {
    auth: { jwtSecret: SECRET },
    engine: { type: engine, keyPrefix: prefix },
    namespaces: [{ prefix: "room", presence: true }],
  };
}

async function connect(node: Running, user: string): Promise<TestClient> {
  const token = await mintToken(SECRET, user, { ttlSeconds: 600 });
  return TestClient.connect(`${node.wsUrl}?token=${token}`);
}

for (const engine of ["memory", "redis"] as const) {
  describe(`presence and users through the gateway: ${engine}`, () => {
    it("lists members, sends join/leave to watchers, answers the HTTP API", async () => {
      const a = await startGateway(config(engine));
      const b = engine === "redis" ? await startGateway(config(engine)) : a;
      const topic = `room.${randomUUID().slice(0, 8)}`;
      try {
        const alice = await connect(a, "alice");
        const ack = await alice.request({ type: "subscribe", topic, presence: true, meta: { status: "online" } });
        assert.equal(ack.type, "ack", JSON.stringify(ack));
        const bob = await connect(b, "bob");
        assert.equal((await bob.request({ type: "subscribe", topic })).type, "ack");
        const join = await alice.next((f) => f.type === "join" && (f.info as { user?: string }).user === "bob");
        assert.equal(join.topic, topic);
        const list = await bob.request({ type: "presence", topic });
        assert.equal(list.count, 2);
        const members = (list.members as Array<{ user: string; meta?: unknown }>).sort((x, y) =>
          x.user.localeCompare(y.user),
        );
        assert.deepEqual(
          members.map((m) => [m.user, m.meta]),
          [
            ["alice", { status: "online" }],
            ["bob", undefined],
          ],
        );
        const http = await getJson(`${a.url}/api/topics/${topic}/presence`);
        assert.equal(http.status, 200);
        assert.equal(http.body.count, 2);
        const countOnly = await getJson(`${b.url}/api/topics/${topic}/presence?members=false`);
        assert.deepEqual(countOnly.body, { topic, count: 2 });
        bob.close();
        const leave = await alice.next("leave");
        assert.equal((leave.info as { user: string }).user, "bob");
        assert.equal((await getJson(`${b.url}/api/topics/${topic}/presence`)).body.count, 1);
        const off = await alice.request({ type: "presence", topic: "other.topic" });
        assert.equal(off.code, "forbidden");
        assert.equal((await getJson(`${a.url}/api/topics/other.topic/presence`)).status, 403);
        alice.close();
      } finally {
        await a.close();
        if (b !== a) await b.close();
      }
    });

    it("sends to and disconnects a user on every node, and counts connections per node", async () => {
      const a = await startGateway(config(engine));
      const b = engine === "redis" ? await startGateway(config(engine)) : a;
      try {
        const user = `u${randomUUID().slice(0, 6)}`;
        const onA = await connect(a, user);
        const onB = await connect(b, user);
        const other = await connect(b, "someone-else");
        // Each node reports its own counts every second; wait until both reports include these.
        let info = await getJson(`${a.url}/api/info`);
        const total = () => (info.body.nodes as Array<{ connections: number }>).reduce((n, x) => n + x.connections, 0);
        await waitFor(
          async () => {
            info = await getJson(`${a.url}/api/info`);
            return total() === 3;
          },
          {
            what: () => `node reports counting 3 connections (last: ${JSON.stringify(info.body.nodes)})`,
            interval: 100,
          },
        );
        const nodes = info.body.nodes as Array<{ node: string; connections: number }>;
        assert.equal(nodes.length, engine === "redis" ? 2 : 1);
        assert.ok(nodes.some((n) => n.node === info.body.node));
        // sendToUser on one node reaches the user's connections on every node.
        await a.gateway.sendToUser(user, "note", { hello: user });
        for (const c of [onA, onB]) assert.deepEqual((await c.next("event")).data, { hello: user });
        const res = await postJson(`${a.url}/api/users/${user}/disconnect`, { reason: "bye" });
        assert.equal(res.status, 200);
        assert.equal(res.body.nodes, engine === "redis" ? 2 : 1);
        assert.equal(await onA.closed, 4503);
        assert.equal(await onB.closed, 4503);
        assert.equal((await other.request({ type: "ping" })).type, "pong");
        other.close();
        const metrics = await (await fetch(`${a.url}/metrics`)).text();
        assert.match(metrics, /herald_node_connections\{node="[^"]+"\} \d+/);
      } finally {
        await a.close();
        if (b !== a) await b.close();
      }
    });
  });
}
