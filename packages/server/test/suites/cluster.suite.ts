/**
 * The shared cluster suite (engine/cluster.ts): the local and Redis clusters run these cases
 * unchanged. `make()` opens one node of a fresh cluster; `join()` another node of the same
 * cluster (absent where a cluster has only one node: its cases about several nodes are not run).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Cluster, ControlMessage, NodeStats } from "../../src/engine/cluster.js";
import { waitFor } from "../wait-for.js";

export interface ClusterMaker {
  make(): Promise<Cluster>;
  /** Another node of `first`'s cluster; absent where a cluster has only one node. */
  join?(first: Cluster): Promise<Cluster>;
  /** After this long without a report a node is gone. */
  staleMs: number;
}

const stats = (c: Cluster, connections: number, updatedAt = Date.now()): NodeStats => ({
  node: c.nodeId,
  pid: process.pid,
  connections,
  users: 1,
  subscriptions: 2,
  updatedAt,
});

export function clusterSuite(name: string, m: ClusterMaker): void {
  describe(`Cluster contract: ${name}`, () => {
    it("applies a control message on every node, the sender included", async () => {
      const a = await m.make();
      const b = await m.join?.(a);
      const got: Array<[string, ControlMessage]> = [];
      for (const c of [a, b]) c?.onControl((msg) => got.push([c.nodeId, msg]));
      const message: ControlMessage = { type: "disconnect_user", user: "alice", reason: "banned" };
      const reached = await a.send(message);
      const nodes = b === undefined ? 1 : 2;
      assert.equal(reached, nodes);
      await waitFor(() => got.length === nodes, { what: "the message on every node" });
      assert.deepEqual(
        got.map(([, msg]) => msg),
        Array.from({ length: nodes }, () => message),
      );
      assert.equal(new Set(got.map(([id]) => id)).size, nodes, "each node applied it once");
      await b?.close();
      await a.close();
    });

    it("lists each node's latest report, and forgets a node that stopped reporting", async () => {
      const a = await m.make();
      const b = await m.join?.(a);
      await a.report(stats(a, 5));
      await a.report(stats(a, 7)); // the latest wins
      await b?.report(stats(b, 3, Date.now() - m.staleMs - 1000)); // already stale
      const listed = await a.nodes();
      assert.deepEqual(
        listed.map((n) => [n.node, n.connections]),
        [[a.nodeId, 7]],
      );
      await b?.close();
      await a.close();
    });

    // Only where a cluster has several nodes.
    if (m.join === undefined) return;
    const join = m.join;
    it("a node that closes leaves the list", async () => {
      const a = await m.make();
      const b = await join(a);
      await a.report(stats(a, 1));
      await b.report(stats(b, 2));
      assert.equal((await a.nodes()).length, 2);
      await b.close();
      assert.deepEqual(
        (await a.nodes()).map((n) => n.node),
        [a.nodeId],
      );
      await a.close();
    });
  });
}
