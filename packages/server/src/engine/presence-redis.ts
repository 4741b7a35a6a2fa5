/**
 * Presence in Redis, shared by every node. A topic's members are a hash (client → info JSON)
 * plus a sorted set (client → expiry time, Redis clock). Each node refreshes the expiry of its
 * own members on every heartbeat; a crashed node stops doing so, and its members are swept
 * (with a `leave` each) by the next node that heartbeats or lists that topic: gone within
 * `ttlSeconds` plus one heartbeat interval. Changes travel on the `<prefix>:presence` channel.
 */

import type { PresenceChange, PresenceInfo, PresenceList, PresenceStore } from "./presence.js";
import type { RedisConnection } from "./redis-connection.js";
import { Script } from "./redis-scripts.js";

const SWEEP = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function sweep(hash, zset, channel, leave_prefix, now)
  local dead = redis.call('ZRANGEBYSCORE', zset, '-inf', now, 'LIMIT', 0, 1000)
  for _, c in ipairs(dead) do
    local info = redis.call('HGET', hash, c)
    if info then
      redis.call('HDEL', hash, c)
      redis.call('PUBLISH', channel, leave_prefix .. info .. '}')
    end
    redis.call('ZREM', zset, c)
  end
end
`;

/** KEYS: hash, zset. ARGV: ttl ms, channel, leave prefix, join prefix, then client/info pairs. */
const HEARTBEAT = new Script(`${SWEEP}
local now = now_ms()
local ttl = tonumber(ARGV[1])
for i = 5, #ARGV, 2 do
  if redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('PUBLISH', ARGV[2], ARGV[4] .. ARGV[i + 1] .. '}')
  end
  redis.call('ZADD', KEYS[2], now + ttl, ARGV[i])
end
sweep(KEYS[1], KEYS[2], ARGV[2], ARGV[3], now)
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ttl * 2)
  redis.call('PEXPIRE', KEYS[2], ttl * 2)
end
return 1
`);

/** KEYS: hash, zset. ARGV: client, channel, leave prefix. */
const LEAVE = new Script(`
local info = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if not info then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3] .. info .. '}')
return 1
`);

/** KEYS: hash, zset. ARGV: channel, leave prefix, max members. Returns {count, info...}. */
const LIST = new Script(`${SWEEP}
sweep(KEYS[1], KEYS[2], ARGV[1], ARGV[2], now_ms())
local count = redis.call('HLEN', KEYS[1])
if count > tonumber(ARGV[3]) then return {count} end
local out = redis.call('HVALS', KEYS[1])
table.insert(out, 1, count)
return out
`);

/** Members refreshed per script call, so no single call holds Redis for long. */
const HEARTBEAT_CHUNK = 500;

export class RedisPresence implements PresenceStore {
  private readonly listeners: Array<(change: PresenceChange) => void> = [];
  /** This node's members: topic → client → info JSON (refreshed on each heartbeat). */
  private readonly local = new Map<string, Map<string, string>>();
  private readonly channel: string;

  constructor(
    private readonly broker: RedisConnection,
    private readonly ttlSeconds: number,
  ) {
    this.channel = `${broker.prefix}:presence`;
  }

  async start(): Promise<void> {
    await this.broker.listen("presence", (message) => {
      let change: PresenceChange;
      try {
        change = JSON.parse(message) as PresenceChange;
      } catch {
        return;
      }
      for (const l of this.listeners) l(change);
    });
  }

  async close(): Promise<void> {
    this.local.clear();
  }

  onChange(listener: (change: PresenceChange) => void): void {
    this.listeners.push(listener);
  }

  private keys(topic: string): string[] {
    return [`${this.broker.prefix}:p:${topic}`, `${this.broker.prefix}:pz:${topic}`];
  }

  private prefixes(topic: string): { join: string; leave: string } {
    const t = JSON.stringify(topic);
    return { join: `{"type":"join","topic":${t},"info":`, leave: `{"type":"leave","topic":${t},"info":` };
  }

  private refresh(topic: string, pairs: string[]): Promise<unknown> {
    const p = this.prefixes(topic);
    return HEARTBEAT.run(this.broker.redis, this.keys(topic), [
      this.ttlSeconds * 1000,
      this.channel,
      p.leave,
      p.join,
      ...pairs,
    ]);
  }

  async join(topic: string, info: PresenceInfo): Promise<void> {
    const json = JSON.stringify(info);
    let members = this.local.get(topic);
    if (members === undefined) {
      members = new Map();
      this.local.set(topic, members);
    }
    members.set(info.client, json);
    await this.refresh(topic, [info.client, json]);
  }

  async leave(topic: string, client: string): Promise<void> {
    const members = this.local.get(topic);
    if (members?.delete(client) && members.size === 0) this.local.delete(topic);
    await LEAVE.run(this.broker.redis, this.keys(topic), [client, this.channel, this.prefixes(topic).leave]);
  }

  async list(topic: string, maxMembers: number): Promise<PresenceList> {
    const raw = (await LIST.run(this.broker.redis, this.keys(topic), [
      this.channel,
      this.prefixes(topic).leave,
      maxMembers,
    ])) as Array<number | string>;
    const count = Number(raw[0]);
    if (count > maxMembers) return { count, members: undefined };
    return { count, members: raw.slice(1).map((s) => JSON.parse(String(s)) as PresenceInfo) };
  }

  async heartbeat(): Promise<void> {
    const work: Array<Promise<unknown>> = [];
    for (const [topic, members] of this.local) {
      let pairs: string[] = [];
      for (const [client, json] of members) {
        pairs.push(client, json);
        if (pairs.length === 2 * HEARTBEAT_CHUNK) {
          work.push(this.refresh(topic, pairs));
          pairs = [];
        }
      }
      if (pairs.length > 0) work.push(this.refresh(topic, pairs));
    }
    await Promise.all(work);
  }
}
