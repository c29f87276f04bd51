/**
 * Cluster-wide rate limit buckets on Redis: one hash per bucket, `<prefix>_celerity.ratelimit.<key>`
 * (fields `tokens`, `at`), changed by one Lua script per acquisition or give-back. The script reads
 * the server's clock (TIME), so the workers' own clocks never enter the count. A bucket is only
 * kept while it is not full: it expires once it would have refilled.
 */
import type { RateLimitRequest, SharedRateLimiter } from '@celerity/core';
import { grantOf } from '@celerity/core/internal';
import { defineScript, runScript } from '@celerity/redis-common/internal';
import type { RedisClient } from '@celerity/redis-common/internal';

/**
 * ratelimit: refills the bucket by the time passed since its last change (at `rate` tokens per
 * second, up to `burst`), then `acquire` takes up to `n` tokens, lending ahead down to
 * `-rate × horizon`, or `release` gives `n` back (up to `burst`).
 *
 * KEYS: the bucket hash. ARGV: 'acquire' | 'release', rate (tokens/s), burst, n, horizon (ms).
 * Returns `{granted, tokens before the grant}` (the second as a string: Lua numbers would reach the
 * client as truncated integers).
 */
export const RATE_LIMIT_SCRIPT = defineScript(
  'ratelimit',
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local rate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local horizon = tonumber(ARGV[5])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) / 1000 * rate)
  at = now
end
local before = tokens
local granted = 0
if ARGV[1] == 'acquire' then
  granted = math.floor(tokens + rate * horizon / 1000 + 1e-9)
  if granted > n then granted = n end
  if granted < 0 then granted = 0 end
  tokens = tokens - granted
else
  tokens = math.min(burst, tokens + n)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'at', string.format('%.3f', at))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return {granted, string.format('%.6f', before)}
`,
);

/** Options of {@link createRedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  client: RedisClient;
  /** Put in front of every bucket key (the broker's kombu `global_keyprefix`). */
  keyPrefix: string;
  /** Runs a command with the broker's reconnect and timeout handling. */
  run<T>(what: string, op: () => Promise<T>): Promise<T>;
}

/** The bucket key of `key` under `prefix`. */
export function rateLimitKey(prefix: string, key: string): string {
  return `${prefix}_celerity.ratelimit.${key}`;
}

/**
 * @example
 * const limiter = createRedisRateLimiter({ client, keyPrefix: '', run: (what, op) => op() });
 * const { granted, waitMs } = await limiter.acquire('mail.send', { rate: 50, burst: 1, wanted: 8, horizonMs: 250 });
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): SharedRateLimiter {
  const { client, keyPrefix, run } = options;
  const call = async (op: 'acquire' | 'release', key: string, n: number, request: Pick<RateLimitRequest, 'rate' | 'burst' | 'horizonMs'>): Promise<[number, number]> => {
    const reply = (await run(`rate limit ${op} of ${key}`, () =>
      runScript(client, RATE_LIMIT_SCRIPT, [rateLimitKey(keyPrefix, key)], [op, request.rate, request.burst, n, request.horizonMs ?? 0]),
    )) as [number, string];
    return [Number(reply[0]), Number(reply[1])];
  };
  return {
    async acquire(key, request) {
      const [granted, before] = await call('acquire', key, request.wanted, request);
      return grantOf(before, granted, request.wanted, request);
    },
    async release(key, tokens, request) {
      await call('release', key, tokens, request);
    },
  };
}
