/**
 * The Lua scripts of the store. Each runs atomically in Redis and checks the ingest lease's token
 * first, so an instance that lost the lease (paused, partitioned) writes nothing more: events are
 * counted once however many dashboards run.
 */

/** KEYS: lease. ARGV: token, lease ms. Extends the lease only while it still holds this token. */
export const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** KEYS: lease. ARGV: token. Gives the lease up only while it still holds this token. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * KEYS: lease, task hash, task events list, tasks zset, changes zset, change counter, root set,
 *       totals hash, counter bucket hash, runtime bucket list.
 * ARGV: token, task id, timestamp (text), state, fields (JSON object of strings), event entry (JSON),
 *       ttl s, events kept per task, counter name or '', runtime or '', root id or '', runtime samples
 *       kept per bucket, the store's key prefix (for the per-state sorted sets `<prefix>state:<STATE>`,
 *       whose key depends on the stored state: the store is one Redis server, not a cluster).
 * Merges one task event: fields set, the state taken unless the task already ended and this event
 * is of an unfinished state (late or out-of-order events), or it is PENDING (task-sent, from the
 * sender's clock, can come after the worker's first events), `updated` the latest timestamp.
 * Returns -1 when the lease is not held with this token, else 1.
 */
export const APPLY_TASK_EVENT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local ready = { SUCCESS = true, FAILURE = true, REVOKED = true, REJECTED = true }
local cur = redis.call('HMGET', KEYS[2], 'state', 'updated', 'name', 'stateAt')
local fields = cjson.decode(ARGV[5])
local flat = { 'id', ARGV[2] }
for k, v in pairs(fields) do flat[#flat + 1] = k; flat[#flat + 1] = v end
local state = ARGV[4]
local ts = tonumber(ARGV[3])
-- The time of the event that set the current state (not of the latest event: a late task-sent).
local stateTs = tonumber(cur[4] or '0') or 0
local final = cur[1]
if (not cur[1]) or ready[state] or (state ~= 'PENDING' and (cur[1] == 'PENDING' or ((not ready[cur[1]]) and ts >= stateTs))) then
  final = state
  flat[#flat + 1] = 'state'; flat[#flat + 1] = state
  flat[#flat + 1] = 'stateAt'; flat[#flat + 1] = ARGV[3]
end
local updated = ARGV[3]
if cur[2] and (tonumber(cur[2]) or 0) > ts then updated = cur[2] end
flat[#flat + 1] = 'updated'; flat[#flat + 1] = updated
-- The per-state index: the task moves to its state's sorted set.
if cur[1] and final ~= cur[1] then redis.call('ZREM', ARGV[13] .. 'state:' .. cur[1], ARGV[2]) end
redis.call('ZADD', ARGV[13] .. 'state:' .. final, updated, ARGV[2])
redis.call('HSET', KEYS[2], unpack(flat))
redis.call('EXPIRE', KEYS[2], ARGV[7])
redis.call('RPUSH', KEYS[3], ARGV[6])
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[8]), -1)
redis.call('EXPIRE', KEYS[3], ARGV[7])
redis.call('ZADD', KEYS[4], updated, ARGV[2])
redis.call('ZADD', KEYS[5], redis.call('INCR', KEYS[6]), ARGV[2])
if ARGV[11] ~= '' then
  redis.call('SADD', KEYS[7], ARGV[2])
  redis.call('EXPIRE', KEYS[7], ARGV[7])
end
if ARGV[9] ~= '' then
  redis.call('HINCRBY', KEYS[8], ARGV[9], 1)
  redis.call('HINCRBY', KEYS[9], ARGV[9], 1)
  redis.call('EXPIRE', KEYS[9], ARGV[7])
end
if ARGV[10] ~= '' then
  local name = fields['name'] or cur[3] or ''
  redis.call('RPUSH', KEYS[10], ARGV[10] .. '\\t' .. name)
  redis.call('LTRIM', KEYS[10], -tonumber(ARGV[12]), -1)
  redis.call('EXPIRE', KEYS[10], ARGV[7])
end
return 1`;

/**
 * KEYS: lease, hash, then optionally a depth bucket hash. ARGV: token, field, value, then optionally
 * ttl s and depth field/value pairs. Sets one field of a hash (a worker record, a poll's answer, the
 * queue snapshot) only while the lease holds this token, and the depth samples with it.
 * Returns -1 when the lease is not held with this token, else 1.
 */
export const FENCED_SET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
if KEYS[3] and #ARGV > 4 then
  redis.call('HSET', KEYS[3], unpack(ARGV, 5))
  redis.call('EXPIRE', KEYS[3], ARGV[4])
end
return 1`;
