/**
 * Three real gateway processes on one Redis act as one: clients spread over the nodes,
 * publishers on different nodes, every client receives every event of its topics in order.
 * Then one node is killed (SIGKILL): its client resumes on another node exactly, and presence
 * forgets the dead node's members.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, it } from "node:test";
import { type Frame, getJson, postJson, sleep, TestClient } from "../helpers.js";
import { dropPrefix } from "../integration/redis-helpers.js";
import { type NodeProcess, startNodes, writeNodeConfig } from "./nodes.js";

const prefix = `herald-test-${randomUUID().slice(0, 8)}`;
after(() => dropPrefix(prefix));

async function publishMany(node: NodeProcess, items: Array<{ topic: string; data: unknown }>): Promise<void> {
  for (const item of items) {
    const res = await postJson(`${node.url}/api/publish`, item);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
}

describe("three gateway processes on one Redis", () => {
  it("deliver every event of a topic to every client on every node, in order", async () => {
    const config = writeNodeConfig(prefix);
    const nodes = await startNodes(config, 3);
    const clients: TestClient[] = [];
    try {
      const t = `t${randomUUID().slice(0, 6)}`;
      const subs: Array<{ client: TestClient; topic: string; expect: number }> = [];
      for (let i = 0; i < 8; i++) {
        const node = nodes[i % 3] as NodeProcess;
        const client = await TestClient.connect(node.wsUrl);
        clients.push(client);
        const topic = i < 6 ? `${t}.${i % 2 === 0 ? "a" : "b"}` : `${t}.>`;
        const ack = await client.request({ type: "subscribe", topic });
        assert.equal(ack.type, "ack");
        subs.push({ client, topic, expect: i < 6 ? 60 : 120 });
      }
      // One publisher per node, all at once: 40 events each, alternating topics.
      await Promise.all(
        nodes.map((node, n) =>
          publishMany(
            node,
            Array.from({ length: 40 }, (_, i) => ({ topic: `${t}.${i % 2 === 0 ? "a" : "b"}`, data: { n, i } })),
          ),
        ),
      );
      const received = await Promise.all(subs.map((s) => s.client.events(s.expect, 15_000)));
      const idsByTopic = new Map<string, string>();
      for (const [k, events] of received.entries()) {
        const byTopic = new Map<string, Frame[]>();
        for (const e of events) byTopic.set(e.topic as string, [...(byTopic.get(e.topic as string) ?? []), e]);
        for (const [topic, list] of byTopic) {
          assert.deepEqual(
            list.map((e) => e.seq),
            Array.from({ length: 60 }, (_, i) => i + 1),
            `client ${k} on ${topic}`,
          );
          const ids = list.map((e) => e.id).join(",");
          if (idsByTopic.has(topic)) assert.equal(ids, idsByTopic.get(topic), "every client sees one order");
          else idsByTopic.set(topic, ids);
        }
        const offsets = events.map((e) => e.offset as number);
        assert.deepEqual(
          offsets,
          [...offsets].sort((x, y) => x - y),
        );
      }
      // Each publisher's own events stay in its order within a topic.
      const a = (received[0] as Frame[]).map((e) => e.data as { n: number; i: number });
      for (let n = 0; n < 3; n++) {
        const mine = a.filter((d) => d.n === n).map((d) => d.i);
        assert.deepEqual(
          mine,
          [...mine].sort((x, y) => x - y),
        );
      }
      const info = await getJson(`${nodes[0]?.url}/api/info`);
      assert.equal(info.body.engine, "redis");
    } finally {
      for (const c of clients) c.close();
      await Promise.all(nodes.map((n) => n.kill()));
    }
  });

  it("a killed node's client recovers exactly on another node; its presence expires", async () => {
    const config = writeNodeConfig(prefix, {
      namespaces: [{ prefix: "room", presence: true }],
      presence: { ttlSeconds: 3 },
    });
    const [a, b, c] = await startNodes(config, 3);
    const nodeA = a as NodeProcess;
    const nodeB = b as NodeProcess;
    const nodeC = c as NodeProcess;
    const clients: TestClient[] = [];
    try {
      const topic = `x${randomUUID().slice(0, 6)}.feed`;
      const room = `room.${randomUUID().slice(0, 6)}`;
      const observer = await TestClient.connect(nodeA.wsUrl);
      clients.push(observer);
      assert.equal((await observer.request({ type: "subscribe", topic: room, presence: true })).type, "ack");
      const self = (await observer.next("join")).info as { client: string }; // its own join
      let client = await TestClient.connect(nodeC.wsUrl);
      clients.push(client);
      const ack = await client.request({ type: "subscribe", topic });
      assert.equal((await client.request({ type: "subscribe", topic: room })).type, "ack");
      const doomed = (await observer.next("join")).info as { client: string };
      assert.notEqual(doomed.client, self.client);
      assert.equal((await getJson(`${nodeB.url}/api/topics/${room}/presence`)).body.count, 2);

      const total = 120;
      const publishing = (async () => {
        for (let i = 1; i <= total; i++) {
          await publishMany(nodeA, [{ topic, data: i }]);
          if (i % 10 === 0) await sleep(5);
        }
      })();
      const got: Frame[] = [];
      while (got.length < 30) got.push(...(await client.events(1, 10_000)));
      await nodeC.kill("SIGKILL");
      await client.closed;
      // The client's reconnect: another node, resuming from the last event it saw.
      const last = got[got.length - 1] as Frame;
      client = await TestClient.connect(nodeB.wsUrl);
      clients.push(client);
      const resumed = await client.request({
        type: "subscribe",
        topic,
        since: { epoch: last.epoch as string, seq: last.seq as number },
      });
      assert.equal(resumed.recovered, true, JSON.stringify(resumed));
      await publishing;
      while ((got[got.length - 1]?.seq as number) < total) got.push(...(await client.events(1, 10_000)));
      assert.equal(ack.seq, 0);
      assert.deepEqual(
        got.map((e) => e.data),
        Array.from({ length: total }, (_, i) => i + 1),
      );

      // Presence converges: the dead node's member is swept and a leave is sent.
      const leave = await observer.next((f) => f.type === "leave", 15_000);
      assert.equal((leave.info as { client: string }).client, doomed.client);
      const list = await getJson(`${nodeB.url}/api/topics/${room}/presence`);
      assert.equal(list.body.count, 1);
    } finally {
      for (const cl of clients) cl.close();
      await Promise.all([nodeA.kill(), nodeB.kill(), nodeC.kill()]);
    }
  });
});
