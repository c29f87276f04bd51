/**
 * The Lua scripts of the lease and the tick claim. Each runs atomically in Redis, which is what
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
 * KEYS: lease, last-run hash. ARGV: token, entry name, tick ms.
 * Records the tick as the entry's last run when the token is still the lease's and the last run is
 * older: 1 = this caller owns the tick, 0 = already recorded, -1 = not the leader any more.
 */
export const CLAIM_TICK = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local last = redis.call('HGET', KEYS[2], ARGV[2])
if last and tonumber(last) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1`;
