/**
 * The nodes sharing one Redis: control messages on the `<prefix>:control` channel, each node's
 * statistics in the hash `<prefix>:nodes` (a node whose report is older than `staleMs` is gone).
 */
import { HeraldError } from "@herald/protocol";
import { type Cluster, type ControlMessage, type NodeStats, newNodeId } from "./cluster.js";
import type { RedisConnection } from "./redis-connection.js";

export class RedisCluster implements Cluster {
  readonly nodeId = newNodeId();
  private readonly handlers: Array<(m: ControlMessage) => void> = [];
  private readonly nodesKey: string;

  constructor(
    private readonly broker: RedisConnection,
    /** A node whose report is older than this is considered gone. */
    private readonly staleMs: number,
  ) {
    this.nodesKey = `${broker.prefix}:nodes`;
  }

  async start(): Promise<void> {
    await this.broker.listen("control", (raw) => {
      let message: ControlMessage;
      try {
        message = JSON.parse(raw) as ControlMessage;
      } catch {
        return;
      }
      for (const h of this.handlers) h(message);
    });
  }

  async close(): Promise<void> {
    await this.broker.redis.hdel(this.nodesKey, this.nodeId).catch(() => {});
  }

  send(message: ControlMessage): Promise<number> {
    return this.broker.broadcastRaw("control", JSON.stringify(message));
  }

  onControl(handler: (message: ControlMessage) => void): void {
    this.handlers.push(handler);
  }

  async report(stats: NodeStats): Promise<void> {
    try {
      await this.broker.redis.hset(this.nodesKey, this.nodeId, JSON.stringify(stats));
    } catch (err) {
      throw new HeraldError("unavailable", `redis: ${(err as Error).message}`, { cause: err });
    }
  }

  async nodes(): Promise<NodeStats[]> {
    let all: Record<string, string>;
    try {
      all = await this.broker.redis.hgetall(this.nodesKey);
    } catch (err) {
      throw new HeraldError("unavailable", `redis: ${(err as Error).message}`, { cause: err });
    }
    const cutoff = Date.now() - this.staleMs;
    const live: NodeStats[] = [];
    const gone: string[] = [];
    for (const [id, json] of Object.entries(all)) {
      const s = JSON.parse(json) as NodeStats;
      if (s.updatedAt >= cutoff) live.push(s);
      else gone.push(id);
    }
    if (gone.length > 0) await this.broker.redis.hdel(this.nodesKey, ...gone).catch(() => {});
    return live.sort((a, b) => a.node.localeCompare(b.node));
  }
}
