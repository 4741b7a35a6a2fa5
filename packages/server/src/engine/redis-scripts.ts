/**
 * Lua scripts of the Redis engine. Each runs atomically inside Redis, which is what makes
 * sequencing correct across nodes: seq and offset assignment, history append, stream-log
 * append, idempotency record and PUBLISH are one step, so two nodes can never reorder a topic,
 * reuse a seq, or publish a frame whose history entry is missing.
 *
 * Key layout (P = key prefix): `P:s` stream meta hash {epoch, offset, ts}; `P:log` stream log
 * (entry id = offset); `P:t:<topic>` topic meta hash {epoch, seq}; `P:h:<topic>` topic history
 * (entry id = seq); `P:id:<id>` idempotency record; `P:topics` topics by last publish. Entry fields: `t` timestamp, `f` frame,
 * `p` topic (log only).
 */
import type { Redis } from "ioredis";

/** A script with its SHA1, run by EVALSHA with a fallback to EVAL when Redis lost its cache. */
export class Script {
  private sha: string | undefined;
  constructor(readonly lua: string) {}

  async run(redis: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    if (this.sha !== undefined) {
      try {
        return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
      } catch (err) {
        if (!String((err as Error).message).startsWith("NOSCRIPT")) throw err;
      }
    }
    this.sha ??= (await redis.script("LOAD", this.lua)) as string;
    return redis.eval(this.lua, keys.length, ...keys, ...args);
  }
}

/** Shared Lua helpers: current time (ms), ensuring a meta hash has an epoch, age trimming. */
const COMMON = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Returns the epoch of a meta hash, creating it (and dropping stale data) when it was lost.
local function ensure(meta, data, candidate, counter)
  local epoch = redis.call('HGET', meta, 'epoch')
  if not epoch then
    epoch = candidate
    redis.call('DEL', data)
    redis.call('HSET', meta, 'epoch', epoch, counter, 0)
  end
  return epoch
end
-- Drops up to 8 expired entries from the head of a stream, reading one entry at a time (the
-- rest go on later publishes, and reads filter them out meanwhile).
local function trim_age(key, cutoff)
  for _ = 1, 8 do
    local head = redis.call('XRANGE', key, '-', '+', 'COUNT', 1)
    local e = head[1]
    if e == nil or tonumber(e[2][2]) >= cutoff then return end
    redis.call('XDEL', key, e[1])
  end
end
`;

/**
 * KEYS: topic meta, topic history, stream meta, stream log, idempotency key, topic index
 * (sorted set of topics by last publish, for counting).
 * ARGV: frame head (up to `"seq":`), frame tail (from `,"source"`/`,"data"`), topic,
 * candidate topic epoch, candidate stream epoch, history size, history ttl ms, topic key ttl ms,
 * stream size, stream ttl ms, idempotency ttl ms (0 = off), events channel, deadline (Redis
 * time in ms; 0 = none).
 * Returns {0, frame} for a new event, {1, "topic\\nframe"} for a duplicate id, {2, ""} when the
 * script ran after its deadline and did nothing: the caller has answered `unavailable` by then,
 * so a publish that waited in a stalled Redis must not happen late.
 */
export const PUBLISH = new Script(`${COMMON}
local deadline = tonumber(ARGV[13])
if deadline > 0 and now_ms() > deadline then return {2, ''} end
local idttl = tonumber(ARGV[11])
if idttl > 0 then
  local prior = redis.call('GET', KEYS[5])
  if prior then return {1, prior} end
end
local sepoch = ensure(KEYS[3], KEYS[4], ARGV[5], 'offset')
local tepoch = ensure(KEYS[1], KEYS[2], ARGV[4], 'seq')
local ts = now_ms()
local last = tonumber(redis.call('HGET', KEYS[3], 'ts') or '0')
if ts < last then ts = last end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local offset = redis.call('HINCRBY', KEYS[3], 'offset', 1)
redis.call('HSET', KEYS[3], 'ts', ts)
local frame = ARGV[1] .. seq .. ',"epoch":"' .. tepoch .. '","offset":' .. offset .. ',"timestamp":' .. ts .. ARGV[2]
local hsize = tonumber(ARGV[6])
local httl = tonumber(ARGV[7])
local keyttl = tonumber(ARGV[8])
if hsize > 0 then
  redis.call('XADD', KEYS[2], 'MAXLEN', hsize, seq .. '-0', 't', ts, 'f', frame)
  if httl > 0 then trim_age(KEYS[2], ts - httl) end
  redis.call('PEXPIRE', KEYS[2], keyttl)
end
redis.call('PEXPIRE', KEYS[1], keyttl)
redis.call('ZADD', KEYS[6], ts, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', ts - keyttl)
redis.call('XADD', KEYS[4], 'MAXLEN', tonumber(ARGV[9]), offset .. '-0', 't', ts, 'p', ARGV[3], 'f', frame)
trim_age(KEYS[4], ts - tonumber(ARGV[10]))
if idttl > 0 then redis.call('SET', KEYS[5], ARGV[3] .. '\\n' .. frame, 'PX', idttl) end
redis.call('PUBLISH', ARGV[12], sepoch .. ' ' .. offset .. '\\n' .. frame)
return {0, frame}
`);

/**
 * Several publishes in one script call (`engine.publishBatchMax`): the same steps as `PUBLISH`
 * for each, in order, with what they share done once per call — the clock read, the stream's
 * epoch, the stream log's age trim and the topic index's expiry. Events keep the order of the
 * call; an id seen earlier in the same call is a duplicate, as across calls.
 * KEYS: stream meta, stream log, topic index; then per publish: topic meta, topic history,
 * idempotency key.
 * ARGV: candidate stream epoch, stream size, stream ttl ms, events channel, deadline (Redis time
 * in ms; 0 = none), largest topic key ttl ms, count; then per publish (8): frame head, frame
 * tail, topic, candidate topic epoch, history size, history ttl ms, topic key ttl ms,
 * idempotency ttl ms (0 = off).
 * Returns {2} when the call ran after its deadline and did nothing; else per publish a code and
 * a frame, as `PUBLISH` returns them ({0, frame} new, {1, "topic\\nframe"} duplicate).
 */
export const PUBLISH_BATCH = new Script(`${COMMON}
local deadline = tonumber(ARGV[5])
local ts = now_ms()
if deadline > 0 and ts > deadline then return {2} end
local sepoch = ensure(KEYS[1], KEYS[2], ARGV[1], 'offset')
local last = tonumber(redis.call('HGET', KEYS[1], 'ts') or '0')
if ts < last then ts = last end
local ssize = tonumber(ARGV[2])
local out = {}
local n = tonumber(ARGV[7])
for i = 0, n - 1 do
  local k = 3 + i * 3
  local a = 7 + i * 8
  local topic = ARGV[a + 3]
  local idttl = tonumber(ARGV[a + 8])
  local prior = false
  if idttl > 0 then prior = redis.call('GET', KEYS[k + 3]) end
  if prior then
    out[#out + 1] = 1
    out[#out + 1] = prior
  else
    local tepoch = ensure(KEYS[k + 1], KEYS[k + 2], ARGV[a + 4], 'seq')
    local seq = redis.call('HINCRBY', KEYS[k + 1], 'seq', 1)
    local offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
    local frame = ARGV[a + 1] .. seq .. ',"epoch":"' .. tepoch .. '","offset":' .. offset .. ',"timestamp":' .. ts .. ARGV[a + 2]
    local hsize = tonumber(ARGV[a + 5])
    local httl = tonumber(ARGV[a + 6])
    local keyttl = tonumber(ARGV[a + 7])
    if hsize > 0 then
      redis.call('XADD', KEYS[k + 2], 'MAXLEN', hsize, seq .. '-0', 't', ts, 'f', frame)
      if httl > 0 then trim_age(KEYS[k + 2], ts - httl) end
      redis.call('PEXPIRE', KEYS[k + 2], keyttl)
    end
    redis.call('PEXPIRE', KEYS[k + 1], keyttl)
    redis.call('ZADD', KEYS[3], ts, topic)
    redis.call('XADD', KEYS[2], 'MAXLEN', ssize, offset .. '-0', 't', ts, 'p', topic, 'f', frame)
    if idttl > 0 then redis.call('SET', KEYS[k + 3], topic .. '\\n' .. frame, 'PX', idttl) end
    redis.call('PUBLISH', ARGV[4], sepoch .. ' ' .. offset .. '\\n' .. frame)
    out[#out + 1] = 0
    out[#out + 1] = frame
  end
end
redis.call('HSET', KEYS[1], 'ts', ts)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ts - tonumber(ARGV[6]))
trim_age(KEYS[2], ts - tonumber(ARGV[3]))
return out
`);

/**
 * Reads a topic: its position and up to `limit` unexpired events with seq > since.
 * KEYS: topic meta, topic history. ARGV: candidate epoch, topic key ttl ms, history ttl ms (0 =
 * none), since, limit. Returns {epoch, seq, frame...}.
 */
export const READ_TOPIC = new Script(`${COMMON}
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ensure(KEYS[1], KEYS[2], ARGV[1], 'seq')
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
end
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq'))
local out = {epoch, seq}
local limit = tonumber(ARGV[5])
if limit == 0 or seq <= tonumber(ARGV[4]) then return out end
local httl = tonumber(ARGV[3])
local cutoff = -1
if httl > 0 then cutoff = now_ms() - httl end
local rows = redis.call('XRANGE', KEYS[2], (tonumber(ARGV[4]) + 1) .. '-0', '+', 'COUNT', limit)
for _, e in ipairs(rows) do
  if tonumber(e[2][2]) >= cutoff then out[#out + 1] = e[2][4] end
end
return out
`);

/**
 * Reads the stream log: its position and up to `limit` unexpired entries with offset > after,
 * not beyond `upto` (0 = no bound). KEYS: stream meta, stream log. ARGV: candidate epoch,
 * after, limit, stream ttl ms, upto. Returns {epoch, offset, id, topic, frame, id, topic, frame...}.
 */
export const READ_STREAM = new Script(`${COMMON}
local epoch = ensure(KEYS[1], KEYS[2], ARGV[1], 'offset')
local offset = tonumber(redis.call('HGET', KEYS[1], 'offset'))
local out = {epoch, offset}
local limit = tonumber(ARGV[3])
local after = tonumber(ARGV[2])
if limit == 0 or offset <= after then return out end
local upto = tonumber(ARGV[5])
local last = '+'
if upto > 0 then last = upto .. '-0' end
local cutoff = now_ms() - tonumber(ARGV[4])
local rows = redis.call('XRANGE', KEYS[2], (after + 1) .. '-0', last, 'COUNT', limit)
for _, e in ipairs(rows) do
  if tonumber(e[2][2]) >= cutoff then
    out[#out + 1] = e[1]
    out[#out + 1] = e[2][4]
    out[#out + 1] = e[2][6]
  end
end
return out
`);
