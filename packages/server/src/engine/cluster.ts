/**
 * The nodes acting as one: control messages to every node (disconnect a user everywhere) and
 * per-node statistics (connection counts for /api/info and /metrics). `LocalCluster`
 * (cluster-local.ts) is the single process; `RedisCluster` (cluster-redis.ts) rides on the
 * engine's shared Redis connection. Contract: test/suites/cluster.suite.ts.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

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
