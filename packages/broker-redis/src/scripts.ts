/**
 * The Lua scripts of the Redis broker, one per operation that must be atomic. They are run with
 * @celerity/redis-common's `runScript` (EVALSHA, EVAL again after NOSCRIPT).
 */
import { defineScript } from '@celerity/redis-common/internal';

/**
 * fetch: pops up to `max` messages in the order kombu's BRPOP loop would take them and records each in
 * `unacked` / `unacked_index` in the same step, so a crash can never lose a message between the pop
 * and its bookkeeping.
 *
 * KEYS: unacked, unacked_index, then per queue (in the consumer's current rotation) 5 keys: its lists
 *   for steps 0, 3, 6, 9 and its dead-letter list.
 *   Optionally last: the consumer's in-flight list (see inflight.ts), drained first.
 * ARGV: max, now (unix seconds; '' = the server's clock), nq, the JSON-encoded name of each queue (nq entries), na, the
 *   delivery tags of acked messages whose entries are removed first (na entries: the ack rides along
 *   with the fetch instead of a MULTI of its own), and, with an in-flight list, the KEYS index of the
 *   list its messages came from. Everything in the in-flight list is taken, even beyond `max`: it
 *   was already taken off its queue for this consumer.
 * Returns a flat array: KEYS index of the list it came from, delivery tag ('' when the item had none
 *   and was moved to the dead list right here), raw item.
 *
 * Order: every queue's step-0 list before any step-3 list, and so on; within a step, round robin
 * between queues (kombu rotates a queue to the end after taking from it). With one non-empty list
 * left, RPOP with a count takes the rest in one call.
 * When EXISTS finds none of the lists, none is popped.
 *
 * The delivery tag is found with a pattern rather than cjson, which would cost a full parse in Redis
 * per message; kombu writes properties last, so the tail is searched first and the last match wins
 * (a plain substring search first, the pattern only for other layouts).
 * The unacked entry is `[<raw>, "", <queue>]`: kombu writes the message's own exchange and routing key
 * there, but `""` + the queue the message was actually taken from is what kombu's restore resolves
 * to for Celery's default-exchange messages, and it returns any message to its own queue.
 */
export const FETCH_SCRIPT = defineScript(
  'fetch',
  `
local max = tonumber(ARGV[1])
local now = ARGV[2]
if now == '' then
  local t = redis.call('TIME')
  now = t[1] .. '.' .. string.format('%06d', tonumber(t[2]))
end
local nq = tonumber(ARGV[3])
local out = {}
local taken = 0
local hset = {}
local zadd = {}
local PATTERN = '"delivery_tag"%s*:%s*"([^"\\\\]+)"'

local function tag_of(raw)
  local len = #raw
  -- Fast path, kombu's layout: a plain find of '"delivery_tag": "' in the tail, last occurrence wins.
  local from = 1
  if len > 256 then from = len - 255 end
  local tag = nil
  local s, e = string.find(raw, '"delivery_tag": "', from, true)
  while s do
    local q = string.find(raw, '"', e + 1, true)
    if not q then break end
    tag = string.sub(raw, e + 1, q - 1)
    s, e = string.find(raw, '"delivery_tag": "', q + 1, true)
  end
  if tag and tag ~= '' and not string.find(tag, '\\\\', 1, true) then return tag end
  -- Any other spacing or position: the general pattern over the whole item, last match wins.
  tag = nil
  for t in string.gmatch(raw, PATTERN) do tag = t end
  return tag
end

local function take(ki, raw)
  local qi = math.floor((ki - 3) / 5)
  local tag = tag_of(raw)
  if tag then
    hset[#hset + 1] = tag
    hset[#hset + 1] = '[' .. raw .. ', "", ' .. ARGV[4 + qi] .. ']'
    zadd[#zadd + 1] = now
    zadd[#zadd + 1] = tag
  else
    redis.call('LPUSH', KEYS[3 + qi * 5 + 4], raw)
    tag = ''
  end
  out[#out + 1] = ki
  out[#out + 1] = tag
  out[#out + 1] = raw
  taken = taken + 1
end

local na = tonumber(ARGV[4 + nq])
if na > 0 then
  for i = 5 + nq, 4 + nq + na, 256 do
    local last = math.min(i + 255, 4 + nq + na)
    redis.call('ZREM', KEYS[2], unpack(ARGV, i, last))
    redis.call('HDEL', KEYS[1], unpack(ARGV, i, last))
  end
end

local extra = 5 + nq + na
if ARGV[extra] then
  local inflight = KEYS[#KEYS]
  local moved = redis.call('LRANGE', inflight, 0, -1)
  if #moved > 0 then
    redis.call('DEL', inflight)
    -- BLMOVE pushes on the left: the oldest is last.
    local ki = tonumber(ARGV[extra])
    for i = #moved, 1, -1 do take(ki, moved[i]) end
  end
end

-- One EXISTS over every list before popping: a fetch queued behind an idle consumer's BLMOVE usually
-- finds them all empty, and one call costs Redis less than the RPOP per list it saves.
local any = taken < max
if any then
  local lists = {}
  for qi = 0, nq - 1 do
    for level = 0, 3 do lists[#lists + 1] = KEYS[3 + qi * 5 + level] end
  end
  if #lists <= 256 then any = redis.call('EXISTS', unpack(lists)) > 0 end
end

for level = 0, 3 do
  if taken >= max or not any then break end
  local active = {}
  for qi = 0, nq - 1 do active[#active + 1] = 3 + qi * 5 + level end
  while taken < max and #active > 0 do
    if #active == 1 then
      local items = redis.call('RPOP', KEYS[active[1]], max - taken)
      if items then
        for _, raw in ipairs(items) do take(active[1], raw) end
      end
      break
    end
    local still = {}
    for _, ki in ipairs(active) do
      if taken >= max then break end
      local raw = redis.call('RPOP', KEYS[ki])
      if raw then
        take(ki, raw)
        still[#still + 1] = ki
      end
    end
    active = still
  end
end

for i = 1, #hset, 256 do redis.call('HSET', KEYS[1], unpack(hset, i, math.min(i + 255, #hset))) end
for i = 1, #zadd, 256 do redis.call('ZADD', KEYS[2], unpack(zadd, i, math.min(i + 255, #zadd))) end
return out
`,
);

/**
 * ack: forgets acked messages, kombu's `ZREM unacked_index` + `HDEL unacked` (a MULTI in kombu) in one
 * atomic call. Used when no fetch is about to carry the acks.
 * KEYS: unacked, unacked_index. ARGV: delivery tags. Returns how many entries were removed.
 */
export const ACK_SCRIPT = defineScript(
  'ack',
  `
local removed = 0
for i = 1, #ARGV, 256 do
  local last = math.min(i + 255, #ARGV)
  redis.call('ZREM', KEYS[2], unpack(ARGV, i, last))
  removed = removed + redis.call('HDEL', KEYS[1], unpack(ARGV, i, last))
end
return removed
`,
);

/**
 * restore: gives one unacked message back, only if it is still unacked (the HDEL decides, so two
 * restorers or a late ack can never duplicate it). The caller has already marked it redelivered.
 * KEYS: unacked, unacked_index, destination list(s). ARGV: tag, raw, '1' = LPUSH (back of the queue,
 * reject-requeue) or '0' = RPUSH (consumed next, visibility timeout and shutdown).
 * Returns 1 when restored.
 */
export const RESTORE_SCRIPT = defineScript(
  'restore',
  `
local restored = 0
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
  for i = 3, #KEYS do
    if ARGV[3] == '1' then redis.call('LPUSH', KEYS[i], ARGV[2]) else redis.call('RPUSH', KEYS[i], ARGV[2]) end
  end
  restored = 1
end
redis.call('ZREM', KEYS[2], ARGV[1])
return restored
`,
);

/**
 * dead_letter: sets an undecodable item aside and forgets its unacked entry.
 * KEYS: unacked, unacked_index, dead list. ARGV: tag, raw. Returns 1 when moved.
 */
export const DEAD_LETTER_SCRIPT = defineScript(
  'dead_letter',
  `
local moved = 0
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
  redis.call('LPUSH', KEYS[3], ARGV[2])
  moved = 1
end
redis.call('ZREM', KEYS[2], ARGV[1])
return moved
`,
);

/**
 * refresh: moves the `unacked_index` score of messages this process still holds to now, so no
 * restorer (ours or kombu's, which read the same zset) takes them for abandoned. Only tags still in
 * `unacked` and still indexed (ZADD XX) are touched: an ack or restore that won the race stays done.
 * KEYS: unacked, unacked_index. ARGV: now (unix seconds), then the delivery tags.
 * Returns how many scores were moved.
 */
export const REFRESH_SCRIPT = defineScript(
  'refresh',
  `
local moved = 0
for i = 2, #ARGV do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then
    moved = moved + redis.call('ZADD', KEYS[2], 'XX', 'CH', ARGV[1], ARGV[i])
  end
end
return moved
`,
);

/** release_mutex: deletes the restore mutex only if we still own it (kombu's compare-and-delete). */
export const RELEASE_MUTEX_SCRIPT = defineScript(
  'release_mutex',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`,
);

/**
 * inflight_return: gives back what a consumer's in-flight list holds (RPUSH in the list's order: the
 * first taken is consumed next, as if never popped) and drops its registration.
 * KEYS: registry, in-flight list, source list. ARGV: registry member. Returns how many moved.
 */
export const INFLIGHT_RETURN_SCRIPT = defineScript(
  'inflight_return',
  `
local moved = redis.call('LRANGE', KEYS[2], 0, -1)
for i = 1, #moved, 256 do redis.call('RPUSH', KEYS[3], unpack(moved, i, math.min(i + 255, #moved))) end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return #moved
`,
);

/**
 * inflight_sweep: for every in-flight list whose registration lapsed (its consumer died or stopped
 * blocking), gives its contents back to the source list and drops the registration. The list names
 * come from the registry, so they are not in KEYS: like kombu's transport, single-node Redis only.
 * KEYS: registry. ARGV: now (unix seconds). Returns how many messages moved.
 */
export const INFLIGHT_SWEEP_SCRIPT = defineScript(
  'inflight_sweep',
  `
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)
local total = 0
for _, member in ipairs(lapsed) do
  local ok, pair = pcall(cjson.decode, member)
  if ok and type(pair) == 'table' and type(pair[1]) == 'string' and type(pair[2]) == 'string' then
    local moved = redis.call('LRANGE', pair[1], 0, -1)
    for i = 1, #moved, 256 do redis.call('RPUSH', pair[2], unpack(moved, i, math.min(i + 255, #moved))) end
    redis.call('DEL', pair[1])
    total = total + #moved
  end
  redis.call('ZREM', KEYS[1], member)
end
return total
`,
);

/**
 * renew_mutex: extends `unacked_mutex` only while this pass still holds it (compare token, then PEXPIRE).
 * KEYS: mutex. ARGV: token, milliseconds. Returns 1 when renewed.
 */
export const RENEW_MUTEX_SCRIPT = defineScript(
  'renew_mutex',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`,
);

/**
 * replay_dead_letter: moves one dead-letter entry back to its queue, rewritten as a fresh message.
 * KEYS: dead list, the queue's priority list. ARGV: the entry exactly as stored, the message to push.
 * Returns 1 when the entry was there (and moved), 0 when someone else took it first.
 */
export const REPLAY_DEAD_LETTER_SCRIPT = defineScript(
  'replay_dead_letter',
  `
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then
  redis.call('LPUSH', KEYS[2], ARGV[2])
  return 1
end
return 0
`,
);

/**
 * promote_parked: moves parked messages whose promotion time has come onto their lists (LPUSH, like a
 * publish), oldest score first. The list names come from the members, so they are not in KEYS: like
 * kombu's transport, single-node Redis only.
 * A member that does not have the layout (never written by us) is set aside in KEYS[2], not dropped.
 * KEYS: the parked zset, its dead-letter list. ARGV: now (unix seconds), most to move. Returns how many moved.
 */
export const PROMOTE_PARKED_SCRIPT = defineScript(
  'promote_parked',
  `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(due) do
  local colon = string.find(member, ':', 1, true)
  local len = colon and tonumber(string.sub(member, 1, colon - 1))
  if len then
    redis.call('LPUSH', string.sub(member, colon + 1, colon + len), string.sub(member, colon + len + 1))
  else
    redis.call('LPUSH', KEYS[2], member)
  end
  redis.call('ZREM', KEYS[1], member)
end
return #due
`,
);
