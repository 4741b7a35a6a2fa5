/**
 * Lua scripts of the Redis engine. Each runs atomically inside Redis, which is what makes
 * sequencing correct across nodes: seq and offset assignment, history append, stream-log
 * append, idempotency record and PUBLISH are one step, so two nodes can never reorder a topic,
 * reuse a seq, or publish a frame whose history entry is missing.
 *
 * Key layout (P = key prefix): `P:s` stream meta hash {epoch, offset, ts, gen (fences so far,
 * absent before the first), base (the offset the epoch began at after a fence), `ids:<ttl ms>`
 * the oldest idempotency interval kept}; `P:log` stream log
 * (entry id = offset); `P:t:<topic>` topic meta hash {epoch, seq}; `P:h:<topic>` topic history
 * (entry id = seq); `P:ids:<ttl ms>:<interval>` idempotency records of one ttl-long interval
 * (hash: event id → "time\\ntopic\\nseq offset time epoch": the position, not the frame);
 * `P:topics` topics by last publish. Entry fields: `t`
 * timestamp, `f` frame, `p` topic (log only).
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
-- The stream's offset: the meta's, bounded below by the log's last entry (a call that failed
-- half-way did not write its offset back; no later call may reuse an offset the log holds).
local function stream_offset(meta, log)
  local offset = tonumber(redis.call('HGET', meta, 'offset'))
  local top = redis.call('XREVRANGE', log, '+', '-', 'COUNT', 1)[1]
  if top then
    local logged = tonumber(string.match(top[1], '^(%d+)'))
    if logged > offset then offset = logged end
  end
  return offset
end
-- Fencing. A node that saw offsets up to \`seen\` in stream epoch \`known\` finds the stream
-- behind that: Redis lost writes it had acknowledged (a replica promoted before it got them, a
-- restart from an older snapshot), and the offsets and seqs after \`offset\` would be handed out
-- a second time. The stream gets a new epoch and its generation goes up, which changes every
-- topic's epoch (\`generation\`): nothing sequenced from now on can be taken for what was lost,
-- and a client resuming from before is told \`recovered: false\`. Returns the stream epoch.
local function fence(meta, sepoch, offset, known, seen, candidate)
  if sepoch ~= known or offset >= seen then return sepoch end
  -- \`base\`: where the new epoch starts; the log's entries up to it belong to the old one.
  redis.call('HSET', meta, 'epoch', candidate, 'base', offset)
  redis.call('HINCRBY', meta, 'gen', 1)
  return candidate
end
-- A topic's epoch as clients see it: its own, suffixed with the stream's generation once a fence raised it.
local function generation(meta)
  local gen = redis.call('HGET', meta, 'gen')
  if gen then return '.' .. gen end
  return ''
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
 * Publishes, one or more per script call (`engine.publishBatchMax`): each is deduplicated by
 * its id, sequenced (seq in its topic, offset in the stream), appended to its topic's history and
 * to the stream log and recorded under its id, in the order of the call; an id seen earlier in
 * the same call is a duplicate, as across calls. What publishes share is done once per call: one
 * PUBLISH on the events channel carrying the call's new events (\`<stream epoch> <first
 * offset>\\n<frame>\\n<frame>…\`), the clock read, the stream's epoch and offset (written back at
 * the end; the log's last entry bounds the offset, so a call that failed half-way never makes a
 * later one reuse an offset), the stream log's age trim, the topic index's expiry; and once per
 * topic in a call: its epoch check, its keys' expiry and its index entry. Topic history is
 * bounded by size at publish; entries older than the history ttl stay until then, and reads
 * (`READ_TOPIC`) skip them.
 * KEYS: stream meta, stream log, topic index (sorted set of topics by last publish, for
 * counting); then per publish: topic meta, topic history.
 * ARGV: candidate epoch (of the stream or a topic this call finds without one: a fresh random
 * one per call), stream size, stream ttl ms, events channel, deadline (Redis time
 * in ms; 0 = none), largest topic key ttl ms, count, idempotency key base (`P:ids`), the
 * sending node's stream epoch and the highest offset it saw in it (a stream behind that is
 * fenced first: see `fence`), the durable queue's key (`P:dq`) and most entries it may hold;
 * then per publish (8): frame head (up to `"seq":`), frame tail (from `,"source"`/`,"data"`),
 * topic, history size, topic key ttl ms, idempotency ttl ms (0 = not recorded), event id,
 * durable ("1": the topic's namespace keeps history in the store; see below).
 * Returns {2} when the call ran after its deadline and did nothing (the caller has answered
 * `unavailable` by then, so a publish that waited in a stalled Redis must not happen late); else
 * {0, stream epoch, the durable queue's last entry id ("" when empty), then per publish a code and
 * a text}: 0 and "seq offset timestamp epoch" for a new event (the publisher has the rest of it);
 * for a duplicate id, 1 and "topic\\nframe" while the original is in this call or its topic's
 * history, else 3 and "topic\\nseq offset timestamp epoch" (its position: the retry carries the
 * rest); 4 and a reason when a durable publish is refused (nothing happened: the store is down,
 * \`dstop\` in the stream meta, or the durable queue is full); 5 when a durable topic is unknown
 * to Redis (nothing happened: the node seeds it from the store, \`SEED\`, and sends it again).
 *
 * A durable publish is sequenced and delivered as any other and also queued (\`P:dq\`, an entry
 * per event: offset \`o\`, stream epoch \`e\`, frame \`f\`) for the node holding the committer
 * lease, which commits the queue to the store in order (\`engine/durable-redis.ts\`); its
 * publisher is answered once the committed entries reach the call's last queue entry. A durable
 * topic's keys do not expire: its position must outlive idleness, as the store's does.
 */
export const PUBLISH = new Script(`${COMMON}
local deadline = tonumber(ARGV[5])
local ts = now_ms()
if deadline > 0 and ts > deadline then return {2} end
local sepoch = ensure(KEYS[1], KEYS[2], ARGV[1], 'offset')
local last = tonumber(redis.call('HGET', KEYS[1], 'ts') or '0')
if ts < last then ts = last end
local offset = stream_offset(KEYS[1], KEYS[2])
sepoch = fence(KEYS[1], sepoch, offset, ARGV[9], tonumber(ARGV[10]), ARGV[1])
local suffix = generation(KEYS[1])
local ts_text = string.format('%d', ts)
-- Idempotency records live in one hash per interval of the id ttl (\`P:ids:<ttl>:<n>\`, n =
-- time / ttl): a lookup reads the current and the previous interval and takes a record only if
-- it is younger than the ttl; intervals before the previous one are unlinked (freed off the main
-- thread) by the first call that sees them out of the window.
local buckets = {}
local function ids_of(idttl)
  local b = buckets[idttl]
  if b then return b end
  local n = math.floor(ts / idttl)
  local base = ARGV[8] .. ':' .. idttl .. ':'
  local field = 'ids:' .. idttl
  -- Records are written only to the interval of the latest call, so only \`low\` and \`low + 1\` can exist.
  local known = redis.call('HGET', KEYS[1], field)
  local low = tonumber(known or (n - 1))
  for old = low, math.min(low + 1, n - 2) do redis.call('UNLINK', base .. old) end
  if not known or low ~= n - 1 then redis.call('HSET', KEYS[1], field, n - 1) end
  b = {base .. n, base .. (n - 1)}
  buckets[idttl] = b
  return b
end
local out = {0, sepoch, ''}
local epochs = {}
-- The new events' frames: one PUBLISH per call carries them all (their offsets are consecutive).
local published = {}
local first_offset = offset + 1
local n = tonumber(ARGV[7])
-- Idempotency lookups, once per call: the call's ids in the current interval in one HMGET, those
-- not found there in the previous interval in another; \`priors[i]\` is publish i's record
-- ("topic\\nseq offset time epoch") when its id was seen. New records are written at the end, one HSET per interval.
local priors = {}
local records = {}
local record_keys = {}
do
  local wanted = {}
  local ttls = {}
  for i = 0, n - 1 do
    local a = 12 + i * 8
    local idttl = tonumber(ARGV[a + 6])
    if idttl > 0 then
      local w = wanted[idttl]
      if not w then
        w = {ids = {}, at = {}}
        wanted[idttl] = w
        ttls[#ttls + 1] = idttl
      end
      w.ids[#w.ids + 1] = ARGV[a + 7]
      w.at[#w.at + 1] = i
    end
  end
  for _, idttl in ipairs(ttls) do
    local w = wanted[idttl]
    local b = ids_of(idttl)
    local function take(recs, at, ids)
      local missed_ids, missed_at = {}, {}
      for j = 1, #at do
        local rec = recs[j]
        local nl = rec and string.find(rec, '\\n', 1, true)
        if nl and tonumber(string.sub(rec, 1, nl - 1)) > ts - idttl then
          priors[at[j]] = string.sub(rec, nl + 1)
        elseif not rec then
          missed_ids[#missed_ids + 1] = ids[j]
          missed_at[#missed_at + 1] = at[j]
        end
      end
      return missed_ids, missed_at
    end
    local missed_ids, missed_at = take(redis.call('HMGET', b[1], unpack(w.ids)), w.at, w.ids)
    if #missed_ids > 0 then take(redis.call('HMGET', b[2], unpack(missed_ids)), missed_at, missed_ids) end
  end
end
-- Topics first seen in this call, for the index (one ZADD at the end).
local indexed = {}
local fresh = {}
-- Durable publishes: whether the call has one, whether the store is marked down, the queue's length.
local queued_durable = false
local stopped = nil
local pending = 0
local fresh_frames = {}
for i = 0, n - 1 do
  local k = 3 + i * 2
  local a = 12 + i * 8
  local topic = ARGV[a + 3]
  local idttl = tonumber(ARGV[a + 6])
  local id = ARGV[a + 7]
  local durable = ARGV[a + 8] == '1'
  local prior = priors[i] or (idttl > 0 and fresh[id])
  local refusal = false
  if durable then
    queued_durable = true
    if not prior then
      if stopped == nil then
        stopped = redis.call('HGET', KEYS[1], 'dstop') == '1'
        pending = redis.call('XLEN', ARGV[11])
      end
      if stopped then
        refusal = {4, 'the store is down: durable publishes are stopped until it commits again'}
      elseif pending >= tonumber(ARGV[12]) then
        refusal = {4, 'too many durable events wait for their store commit (engine.durablePendingMax)'}
      elseif epochs[topic] == nil and redis.call('EXISTS', KEYS[k + 1]) == 0 then
        refusal = {5, ''}
      end
    end
  end
  if refusal then
    out[#out + 1] = refusal[1]
    out[#out + 1] = refusal[2]
  elseif prior then
    -- A duplicate: the original's frame from this call or the topic's history (the entry at its
    -- seq, if it is still that event), else its position alone (the node has the rest in the retry).
    local nl = string.find(prior, '\\n', 1, true)
    local ptopic = string.sub(prior, 1, nl - 1)
    local pos = string.sub(prior, nl + 1)
    local frame = fresh_frames[id]
    -- A record written before records held positions holds the frame itself.
    if not frame and string.sub(pos, 1, 1) == '{' then frame = pos end
    if not frame and ptopic == topic then
      local pseq = string.sub(pos, 1, string.find(pos, ' ', 1, true) - 1)
      local e = redis.call('XRANGE', KEYS[k + 2], pseq .. '-0', pseq .. '-0')[1]
      if e and string.find(e[2][4], '"id":"' .. id .. '"', 1, true) then frame = e[2][4] end
    end
    if frame then
      out[#out + 1] = 1
      out[#out + 1] = ptopic .. '\\n' .. frame
    else
      out[#out + 1] = 3
      out[#out + 1] = prior
    end
  else
    local tepoch = epochs[topic]
    local first = tepoch == nil
    if first then
      tepoch = ensure(KEYS[k + 1], KEYS[k + 2], ARGV[1], 'seq')
      epochs[topic] = tepoch
    end
    -- Numbers become text once each, as integers: Lua's own number-to-text (%.14g, also what
    -- redis.call does with a number argument) was the largest single cost of this script.
    local seq = string.format('%d', redis.call('HINCRBY', KEYS[k + 1], 'seq', '1'))
    offset = offset + 1
    local off = string.format('%d', offset)
    local frame = ARGV[a + 1] .. seq .. ',"epoch":"' .. tepoch .. suffix .. '","offset":' .. off .. ',"timestamp":' .. ts_text .. ARGV[a + 2]
    local hsize = ARGV[a + 4]
    if hsize ~= '0' then
      redis.call('XADD', KEYS[k + 2], 'MAXLEN', hsize, seq .. '-0', 't', ts_text, 'f', frame)
    end
    if first and not durable then
      local keyttl = ARGV[a + 5]
      if hsize ~= '0' then redis.call('PEXPIRE', KEYS[k + 2], keyttl) end
      redis.call('PEXPIRE', KEYS[k + 1], keyttl)
    end
    if first then
      indexed[#indexed + 1] = ts_text
      indexed[#indexed + 1] = topic
    end
    redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], off .. '-0', 't', ts_text, 'p', topic, 'f', frame)
    if durable then
      redis.call('XADD', ARGV[11], '*', 'o', off, 'e', sepoch, 'f', frame)
      pending = pending + 1
    end
    local position = seq .. ' ' .. off .. ' ' .. ts_text .. ' ' .. tepoch .. suffix
    if idttl > 0 then
      local key = buckets[idttl][1]
      local list = records[key]
      if not list then
        list = {}
        records[key] = list
        record_keys[#record_keys + 1] = key
      end
      list[#list + 1] = id
      list[#list + 1] = ts_text .. '\\n' .. topic .. '\\n' .. position
      fresh[id] = topic .. '\\n' .. position
      fresh_frames[id] = frame
    end
    published[#published + 1] = frame
    out[#out + 1] = 0
    out[#out + 1] = position
  end
end
if #published > 0 then
  redis.call('PUBLISH', ARGV[4], sepoch .. ' ' .. string.format('%d', first_offset) .. '\\n' .. table.concat(published, '\\n'))
end
for _, key in ipairs(record_keys) do redis.call('HSET', key, unpack(records[key])) end
if queued_durable then
  local last = redis.call('XREVRANGE', ARGV[11], '+', '-', 'COUNT', 1)[1]
  if last then out[3] = last[1] end
end
if #indexed > 0 then redis.call('ZADD', KEYS[3], unpack(indexed)) end
redis.call('HSET', KEYS[1], 'ts', ts_text, 'offset', string.format('%d', offset))
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ts - tonumber(ARGV[6]))
trim_age(KEYS[2], ts - tonumber(ARGV[3]))
return out
`);

/**
 * Reads a topic: its position and up to `limit` unexpired events with seq > since.
 * KEYS: topic meta, topic history, stream meta (its generation is part of the topic's epoch).
 * ARGV: candidate epoch, topic key ttl ms, history ttl ms (0 = none), since, limit, durable
 * ("1": a topic Redis does not know is not created here but seeded from the store first).
 * Returns {epoch, seq, frame...}, or {"", -1} for a durable topic Redis does not know.
 */
export const READ_TOPIC = new Script(`${COMMON}
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch and ARGV[6] == '1' then return {'', -1} end
if not epoch then
  epoch = ensure(KEYS[1], KEYS[2], ARGV[1], 'seq')
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
end
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq'))
local out = {epoch .. generation(KEYS[3]), seq}
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
 * after, limit, stream ttl ms, upto, the reading node's stream epoch and the highest offset it
 * saw in it ('' and 0: no fencing check; see `fence`). Returns {epoch, offset, base (the
 * offset the epoch started at: 0, or where a fence began it), id, topic, frame, id, topic,
 * frame...}.
 */
export const READ_STREAM = new Script(`${COMMON}
local epoch = ensure(KEYS[1], KEYS[2], ARGV[1], 'offset')
local offset = stream_offset(KEYS[1], KEYS[2])
if ARGV[6] ~= '' then epoch = fence(KEYS[1], epoch, offset, ARGV[6], tonumber(ARGV[7]), ARGV[1]) end
local out = {epoch, offset, tonumber(redis.call('HGET', KEYS[1], 'base') or '0')}
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

/**
 * Seeds a durable topic Redis does not know (it lost its data, or never saw the topic) from the
 * store: its seq goes on from the store's, under a new epoch (Redis cannot tell whether events it
 * delivered before it lost them were all committed, so a client resuming from before is told
 * \`recovered: false\`), with its newest stored events as history (re-framed under the new epoch by
 * the caller). The ids of those events still inside the idempotency ttl are recorded again, so a
 * retry of one is a duplicate, as after a restart of the memory engine. Does nothing when the
 * topic is known by then (another node seeded it).
 * KEYS: topic meta, topic history. ARGV: epoch, seq, history size, count, idempotency ttl ms (0 =
 * none), idempotency key base (\`P:ids\`), topic, the epoch as clients see it, then per event: seq,
 * timestamp, frame, id, offset. Returns 1 when it seeded, 0 when the topic was known.
 */
export const SEED = new Script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'seq', ARGV[2])
local n = tonumber(ARGV[4])
local idttl = tonumber(ARGV[5])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local bucket = ARGV[6] .. ':' .. ARGV[5] .. ':' .. string.format('%d', idttl > 0 and math.floor(now / idttl) or 0)
for i = 0, n - 1 do
  local a = 9 + i * 5
  redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[3], ARGV[a] .. '-0', 't', ARGV[a + 1], 'f', ARGV[a + 2])
  if idttl > 0 and tonumber(ARGV[a + 1]) > now - idttl then
    local position = ARGV[a] .. ' ' .. ARGV[a + 4] .. ' ' .. ARGV[a + 1] .. ' ' .. ARGV[8]
    redis.call('HSET', bucket, ARGV[a + 3], ARGV[a + 1] .. '\\n' .. ARGV[7] .. '\\n' .. position)
  end
end
return 1
`);

/**
 * The committer's step after a store commit, done only while it holds the lease (a node that
 * lost it does nothing, and the holder commits what is left): the committed entries leave the
 * durable queue, the stream meta records the last one (\`dcommitted\`), the stopped flag is
 * cleared, topics whose Redis seq is behind the store's (Redis went back: a fence) are raised to
 * it so no seq is handed out that the store holds, and every node is told on \`<prefix>:durable\`
 * (waiting publishers are answered).
 * KEYS: lease, durable queue, stream meta. ARGV: lease holder, channel, last committed entry id,
 * count of entry ids, the entry ids, count of raises, then per raise: topic meta key, store seq.
 * With no entries it only clears the stopped flag (the store answers again, nothing was queued).
 * Returns 1, or 0 when the lease is not the caller's.
 */
export const COMMITTED = new Script(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local n = tonumber(ARGV[4])
local ids = {}
for i = 1, n do ids[i] = ARGV[4 + i] end
for i = 1, n, 500 do redis.call('XDEL', KEYS[2], unpack(ids, i, math.min(i + 499, n))) end
local r = 5 + n
for i = 0, tonumber(ARGV[r]) - 1 do
  local key = ARGV[r + 1 + i * 2]
  local seq = tonumber(ARGV[r + 2 + i * 2])
  local known = tonumber(redis.call('HGET', key, 'seq') or '-1')
  if known >= 0 and known < seq then redis.call('HSET', key, 'seq', ARGV[r + 2 + i * 2]) end
end
redis.call('HDEL', KEYS[3], 'dstop')
if n > 0 then
  redis.call('HSET', KEYS[3], 'dcommitted', ARGV[3])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
end
return 1
`);
