/** The single process as a cluster of one. */
import { type Cluster, type ControlMessage, type NodeStats, newNodeId } from "./cluster.js";

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
