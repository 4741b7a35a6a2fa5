// Socket.IO connection state recovery across nodes: an unchanged socket.io-client behind a TCP
// proxy is cut (TCP drop) from node A and reconnects through the same address to node B, which
// resumes its session from Redis: the 10 events published meanwhile arrive once, in order.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { mintToken } from "../../src/auth/jwt.js";
import { postJson } from "../helpers.js";
import { dropPrefix } from "../integration/redis-helpers.js";
import { LegacyClient } from "../transports/socketio-recovery-client.js";
import { type NodeProcess, startNodes, writeNodeConfig } from "./nodes.js";

const prefix = `herald-sio-${randomUUID().slice(0, 8)}`;
const secret = "socketio-cluster-secret-0123456789";
const KEY = "sio-cluster-api-key-0123456789";

after(() => dropPrefix(prefix));

/** A TCP proxy with one address whose target can be switched, as a load balancer does. */
class SwitchingProxy {
  private readonly server: Server;
  private readonly open = new Set<Socket>();
  target: number;

  constructor(target: number) {
    this.target = target;
    this.server = createServer((client) => {
      const upstream = connect(this.target, "127.0.0.1");
      this.open.add(client).add(upstream);
      const forget = () => {
        client.destroy();
        upstream.destroy();
        this.open.delete(client);
        this.open.delete(upstream);
      };
      client.on("error", forget).on("close", forget);
      upstream.on("error", forget).on("close", forget);
      client.pipe(upstream).pipe(client);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  /** Destroys every connection (no FIN handshake, no close frame): a TCP drop. */
  dropAll(): void {
    for (const s of this.open) s.destroy();
    this.open.clear();
  }

  close(): Promise<void> {
    this.dropAll();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const portOf = (n: NodeProcess) => Number(new URL(n.url).port);

describe("Socket.IO recovery across two nodes on Redis", () => {
  it("resumes on node B a session cut from node A: the 10 missed events once, in order, recovered", async () => {
    const config = writeNodeConfig(prefix, { auth: { anonymous: false, jwtSecret: secret, apiKeys: [KEY] } });
    const [a, b] = (await startNodes(config, 2)) as [NodeProcess, NodeProcess];
    const proxy = new SwitchingProxy(portOf(a));
    const url = await proxy.listen();
    const client = new LegacyClient(url, await mintToken(secret, "carol"), ["new_notification", "update"]);
    const topic = `room.${randomUUID().slice(0, 8)}`;
    const publish = async (node: NodeProcess, from: number, to: number) => {
      for (let i = from; i < to; i++) {
        for (const [t, event] of [
          ["user.carol", "new_notification"],
          [topic, "update"],
        ] as const) {
          const res = await postJson(`${node.url}/api/publish`, { topic: t, event, data: { i } }, { "x-api-key": KEY });
          assert.equal(res.status, 200, JSON.stringify(res.body));
        }
      }
    };
    try {
      await client.connected();
      const answer = (await client.socket.timeout(10_000).emitWithAck("subscribe", topic)) as { ok: boolean };
      assert.equal(answer.ok, true);
      await publish(a, 0, 1);
      await client.received(2);
      await client.upgraded();
      proxy.target = portOf(b);
      proxy.dropAll();
      await publish(a, 1, 6);
      await client.connected(2);
      await client.received(12);
      assert.equal(client.socket.recovered, true);
      await publish(b, 6, 7);
      await client.received(14);
      const expected = Array.from({ length: 7 }, (_, i) => [`new_notification:${i}`, `update:${i}`]).flat();
      assert.deepEqual(client.seen, expected);
    } finally {
      client.close();
      await proxy.close();
      await Promise.all([a.kill(), b.kill()]);
    }
  });
});
