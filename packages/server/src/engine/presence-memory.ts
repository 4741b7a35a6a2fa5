/**
 * In-process presence: one node, so members leave when their connection does and nothing
 * needs to expire (a crash takes the members with it).
 */
import type { PresenceChange, PresenceInfo, PresenceList, PresenceStore } from "./presence.js";

export class MemoryPresence implements PresenceStore {
  private readonly topics = new Map<string, Map<string, PresenceInfo>>();
  private readonly listeners: Array<(change: PresenceChange) => void> = [];

  async start(): Promise<void> {}

  async close(): Promise<void> {
    this.topics.clear();
  }

  onChange(listener: (change: PresenceChange) => void): void {
    this.listeners.push(listener);
  }

  private emit(change: PresenceChange): void {
    for (const l of this.listeners) l(change);
  }

  async join(topic: string, info: PresenceInfo): Promise<void> {
    let members = this.topics.get(topic);
    if (members === undefined) {
      members = new Map();
      this.topics.set(topic, members);
    }
    const isNew = !members.has(info.client);
    members.set(info.client, info);
    if (isNew) this.emit({ type: "join", topic, info });
  }

  async leave(topic: string, client: string): Promise<void> {
    const members = this.topics.get(topic);
    const info = members?.get(client);
    if (members === undefined || info === undefined) return;
    members.delete(client);
    if (members.size === 0) this.topics.delete(topic);
    this.emit({ type: "leave", topic, info });
  }

  async list(topic: string, maxMembers: number): Promise<PresenceList> {
    const members = this.topics.get(topic);
    const count = members?.size ?? 0;
    return { count, members: count <= maxMembers ? [...(members?.values() ?? [])] : undefined };
  }

  async heartbeat(): Promise<void> {}
}
