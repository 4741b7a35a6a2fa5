/**
 * The lifecycle log on Redis, shared by every node (docs/hooks.md, "Outgoing webhooks").
 *
 * - Who holds a key: a hash `{prefix}:wh:h:<key>` of node → 1. A node's hold and its event are
 *   one script: the first node in queues the `up` event, the last one out the `down` event.
 * - What a node holds: `{prefix}:wh:own:<node>`, key → its `down` event, so the holdings of a
 *   node that dies can be let go by another (`release`), with the right events.
 * - Which nodes are alive: `{prefix}:wh:nodes`, a sorted set of node → last mark (Redis time).
 * - The queue: the stream `{prefix}:wh:log` (ids are the event ids, in the order Redis ran the
 *   scripts: one order for the whole cluster) with the last delivered id in `{prefix}:wh:cursor`;
 *   at most `maxQueue` entries (the oldest dropped past it, counted in `{prefix}:wh:dropped`).
 */
import type { Redis } from "ioredis";
import { Script } from "../engine/redis-scripts.js";
import type { LifecycleEvent, LifecycleFields } from "./lifecycle-event.js";
import type { LifecycleLog } from "./lifecycle-log.js";

const COMMON = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function append(stream, dropped, max, body)
  if redis.call('XLEN', stream) >= max then
    local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
    redis.call('XDEL', stream, oldest[1][1])
    redis.call('INCR', dropped)
  end
  return redis.call('XADD', stream, '*', 'e', body)
end
local function let_go(prefix, node, stream, dropped, max)
  local own = prefix .. ':wh:own:' .. node
  local all = redis.call('HGETALL', own)
  local n = 0
  for i = 1, #all, 2 do
    local h = prefix .. ':wh:h:' .. all[i]
    if redis.call('HDEL', h, node) == 1 and redis.call('HLEN', h) == 0 then
      append(stream, dropped, max, all[i + 1])
      n = n + 1
    end
  end
  redis.call('DEL', own)
  redis.call('ZREM', prefix .. ':wh:nodes', node)
  return n
end
`;

/** KEYS: hash, own, nodes, stream, dropped. ARGV: node, up (1/0), key, up body, down body, max. */
const HOLD = new Script(`${COMMON}
redis.call('ZADD', KEYS[3], now_ms(), ARGV[1])
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[5])
  if redis.call('HSET', KEYS[1], ARGV[1], 1) == 1 and redis.call('HLEN', KEYS[1]) == 1 then
    return append(KEYS[4], KEYS[5], tonumber(ARGV[6]), ARGV[4])
  end
else
  redis.call('HDEL', KEYS[2], ARGV[3])
  if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 and redis.call('HLEN', KEYS[1]) == 0 then
    return append(KEYS[4], KEYS[5], tonumber(ARGV[6]), ARGV[5])
  end
end
return false
`);

/** KEYS: stream, dropped. ARGV: max, body. */
const APPEND = new Script(`${COMMON}
return append(KEYS[1], KEYS[2], tonumber(ARGV[1]), ARGV[2])
`);

/** KEYS: nodes. ARGV: node. Returns 1 when the node was marked before (its holdings stand). */
const MARK = new Script(`${COMMON}
local before = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], now_ms(), ARGV[1])
if before then return 1 end
return 0
`);

/** KEYS: nodes, stream, dropped. ARGV: prefix, timeout ms, max. Returns the number of nodes let go. */
const RELEASE_DEAD = new Script(`${COMMON}
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms() - tonumber(ARGV[2]), 'LIMIT', 0, 10)
for _, node in ipairs(dead) do let_go(ARGV[1], node, KEYS[2], KEYS[3], tonumber(ARGV[3])) end
return #dead
`);

/** KEYS: stream, dropped. ARGV: prefix, node, max. */
const RELEASE_SELF = new Script(`${COMMON}
return let_go(ARGV[1], ARGV[2], KEYS[1], KEYS[2], tonumber(ARGV[3]))
`);

/** KEYS: stream, cursor. ARGV: id. Moves the cursor forward only, and trims what it passed. */
const ACK = new Script(`
local function after(a, b)
  local am, as = string.match(a, '(%d+)-(%d+)')
  local bm, bs = string.match(b, '(%d+)-(%d+)')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am > bm or (am == bm and as > bs)
end
local cur = redis.call('GET', KEYS[2])
if cur and not after(ARGV[1], cur) then return 0 end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('XTRIM', KEYS[1], 'MINID', ARGV[1])
redis.call('XDEL', KEYS[1], ARGV[1])
return 1
`);

export class RedisLifecycleLog implements LifecycleLog {
  private readonly keys: { nodes: string; stream: string; cursor: string; dropped: string; own: string };
  /** Whether this node has marked itself (then a missing mark means another node let its holdings go). */
  private marked = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly node: string,
    private readonly maxQueue: number,
  ) {
    this.keys = {
      nodes: `${prefix}:wh:nodes`,
      stream: `${prefix}:wh:log`,
      cursor: `${prefix}:wh:cursor`,
      dropped: `${prefix}:wh:dropped`,
      own: `${prefix}:wh:own:${node}`,
    };
  }

  async append(fields: LifecycleFields): Promise<void> {
    await APPEND.run(this.redis, [this.keys.stream, this.keys.dropped], [this.maxQueue, JSON.stringify(fields)]);
  }

  async hold(key: string, up: boolean, upFields: LifecycleFields, downFields: LifecycleFields): Promise<void> {
    this.marked = true;
    const k = this.keys;
    await HOLD.run(
      this.redis,
      [`${this.prefix}:wh:h:${key}`, k.own, k.nodes, k.stream, k.dropped],
      [this.node, up ? "1" : "0", key, JSON.stringify(upFields), JSON.stringify(downFields), this.maxQueue],
    );
  }

  async read(n: number): Promise<LifecycleEvent[]> {
    const cursor = await this.redis.get(this.keys.cursor);
    const rows = (await this.redis.xrange(
      this.keys.stream,
      cursor === null ? "-" : `(${cursor}`,
      "+",
      "COUNT",
      n,
    )) as Array<[string, string[]]>;
    const out: LifecycleEvent[] = [];
    for (const [id, fields] of rows) {
      const body = JSON.parse(fields[1] ?? "{}") as LifecycleFields;
      out.push({ id, time: Number(id.slice(0, id.indexOf("-"))), ...body });
    }
    return out;
  }

  async ack(id: string): Promise<void> {
    await ACK.run(this.redis, [this.keys.stream, this.keys.cursor], [id]);
  }

  async holdings(): Promise<Map<string, LifecycleFields>> {
    const all = await this.redis.hgetall(this.keys.own);
    return new Map(Object.entries(all).map(([key, down]) => [key, JSON.parse(down) as LifecycleFields]));
  }

  /** Marks this node alive; true when its holdings were let go meanwhile (it was taken for dead). */
  async heartbeat(): Promise<boolean> {
    const before = (await MARK.run(this.redis, [this.keys.nodes], [this.node])) === 1;
    const lost = this.marked && !before;
    this.marked = true;
    return lost;
  }

  async release(nodeTimeoutMs: number): Promise<number> {
    return Number(
      await RELEASE_DEAD.run(
        this.redis,
        [this.keys.nodes, this.keys.stream, this.keys.dropped],
        [this.prefix, nodeTimeoutMs, this.maxQueue],
      ),
    );
  }

  async releaseSelf(): Promise<void> {
    await RELEASE_SELF.run(this.redis, [this.keys.stream, this.keys.dropped], [this.prefix, this.node, this.maxQueue]);
    this.marked = false;
  }

  async dropped(): Promise<number> {
    return Number((await this.redis.get(this.keys.dropped)) ?? 0);
  }
}
