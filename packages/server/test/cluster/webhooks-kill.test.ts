/**
 * Outgoing webhooks when a node is killed (SIGKILL, a real `herald serve` process): the channel
 * its client held is vacated for the cluster by the surviving node (the lease holder) once the
 * dead node has been silent for `webhooks.nodeTimeoutMs`, and each event reaches the receiver once.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, it } from "node:test";
import { startGateway, TestClient } from "../helpers.js";
import { dropPrefix } from "../integration/redis-helpers.js";
import { waitFor } from "../wait-for.js";
import { startNode, writeNodeConfig } from "./nodes.js";

const prefix = `herald-test-whk-${randomUUID().slice(0, 8)}`;
after(() => dropPrefix(prefix));

it("a killed node's channel is vacated by the survivor, once", async () => {
  const received: Array<{ id: string; name: string; topic?: string }> = [];
  const receiver = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    received.push(...(JSON.parse(body) as { events: typeof received }).events);
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const webhooks = {
    url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
    secret: "kill-test-secret-0123456789",
    events: ["channel_occupied", "channel_vacated"] as ("channel_occupied" | "channel_vacated")[],
    batchIntervalMs: 50,
    nodeTimeoutMs: 1500,
  };
  // The survivor starts first: it takes the delivery lease.
  const a = await startGateway({ engine: { type: "redis", keyPrefix: prefix }, webhooks });
  const b = await startNode(writeNodeConfig(prefix, { webhooks }));
  try {
    const topic = `room.${randomUUID().slice(0, 8)}`;
    const c = await TestClient.connect(b.wsUrl);
    assert.equal((await c.request({ type: "subscribe", topic })).type, "ack");
    await waitFor(() => received.some((e) => e.topic === topic), { what: "channel_occupied" });
    await b.kill("SIGKILL");
    await waitFor(() => received.filter((e) => e.topic === topic).length === 2, {
      what: "channel_vacated after the dead node's timeout",
      timeout: 15_000,
    });
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(
      received.filter((e) => e.topic === topic).map((e) => e.name),
      ["channel_occupied", "channel_vacated"],
    );
    assert.equal(new Set(received.map((e) => e.id)).size, received.length, "no event twice");
  } finally {
    await b.kill("SIGKILL");
    await a.close();
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  }
});
