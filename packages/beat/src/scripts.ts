/**
 * The Lua scripts of the lease and the tick claims. Each runs atomically in Redis, which is what
 * makes the fencing hold: a token is checked and the state changed in one step.
 */

/** KEYS: lease, token counter. ARGV: lease ms. Takes a free lease with a new token (INCR); 0 when held. */
export const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token, 'PX', ARGV[1])
return token`;

/** KEYS: lease. ARGV: token, lease ms. Extends the lease only while it still holds this token. */
export const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** KEYS: lease. ARGV: token. Gives the lease up only while it still holds this token. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * The common head of the claims: -1 = not the leader any more, -2 = the entry has a tick pending
 * (claimed, its publish not confirmed: it is re-sent before any newer tick), 0 = already recorded.
 */
const CLAIM_HEAD = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if redis.call('HEXISTS', KEYS[3], ARGV[2]) == 1 then return -2 end
local last = redis.call('HGET', KEYS[2], ARGV[2])
if last and tonumber(last) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])`;

/**
 * KEYS: lease, last-run hash, pending hash. ARGV: token, entry name, tick ms.
 * Records the tick as the entry's last run (nothing is sent: a new entry's start, a skipped tick).
 * 1 = recorded by this call; 0, -1, -2 as in CLAIM_HEAD.
 */
export const CLAIM_TICK = `${CLAIM_HEAD}
return 1`;

/**
 * KEYS: lease, last-run hash, pending hash. ARGV: token, entry name, tick ms, task id.
 * Claims the tick and marks it pending (`<tick> <task id>`) until CONFIRM: a leader that dies before
 * confirming leaves it for the next leader to re-send with the same task id.
 */
export const CLAIM_PENDING = `${CLAIM_HEAD}
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3] .. ' ' .. ARGV[4])
return 1`;

/**
 * KEYS: lease, last-run hash, pending hash, the broker's list. ARGV: token, entry name, tick ms, message.
 * Claims the tick and LPUSHes the message (kombu's bytes) in the same step: the tick is recorded if and
 * only if its message is in the queue. Needs the store and the queue on one Redis server and db.
 */
export const CLAIM_PUSH = `${CLAIM_HEAD}
redis.call('LPUSH', KEYS[4], ARGV[4])
return 1`;

/** KEYS: pending hash. ARGV: entry name, tick ms. Clears the entry's pending tick once its publish is confirmed. */
export const CONFIRM = `
local pending = redis.call('HGET', KEYS[1], ARGV[1])
if pending and string.match(pending, '^%d+') == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`;

/**
 * KEYS: lease, pending hash, the broker's list. ARGV: token, entry name, tick ms, message.
 * Pushes a pending tick (left by a leader that published through a broker without this script) and
 * clears it in one step, while the token leads: 1 = pushed, 0 = nothing pending for that tick, -1 = not the leader.
 */
export const PUSH_PENDING = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local pending = redis.call('HGET', KEYS[2], ARGV[2])
if not pending or string.match(pending, '^%d+') ~= ARGV[3] then return 0 end
redis.call('LPUSH', KEYS[3], ARGV[4])
redis.call('HDEL', KEYS[2], ARGV[2])
return 1`;
