/**
 * The nodes acting as one: control messages to every node (disconnect a user everywhere) and
 * per-node statistics (connection counts for /api/info and /metrics). `LocalCluster` is the
 * single process; `RedisCluster` rides on the Redis broker's connections.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { HeraldError } from "@herald/protocol";
import type { RedisConnection } from "./redis-connection.js";

/** A message applied by every node, the sender included. */
export type ControlMessage = { type: "disconnect_user"; user: string; reason: string };

/** What one node reports about itself. */
export interface NodeStats {
  node: string;
  pid: number;
  connections: number;
  users: number;
  subscriptions: number;
  /** When the node last reported, ms since the Unix epoch. */
  updatedAt: number;
}

export interface Cluster {
  readonly nodeId: string;
  start(): Promise<void>;
  close(): Promise<void>;
  /** Sends `message` to every node; resolves to the number of nodes that received it. */
  send(message: ControlMessage): Promise<number>;
  onControl(handler: (message: ControlMessage) => void): void;
  /** Records this node's statistics (called periodically). */
  report(stats: NodeStats): Promise<void>;
  /** The latest statistics of every live node. */
  nodes(): Promise<NodeStats[]>;
}

export function newNodeId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

export class LocalCluster implements Cluster {
  readonly nodeId = newNodeId();
  private readonly handlers: Array<(m: ControlMessage) => void> = [];
  private last: NodeStats | undefined;

  async start(): Promise<void> {}
  async close(): Promise<void> {}

  async send(message: ControlMessage): Promise<number> {
    for (const h of this.handlers) h(message);
    return 1;
  }

  onControl(handler: (message: ControlMessage) => void): void {
    this.handlers.push(handler);
  }

  async report(stats: NodeStats): Promise<void> {
    this.last = stats;
  }

  async nodes(): Promise<NodeStats[]> {
    return this.last ? [this.last] : [];
  }
}

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
