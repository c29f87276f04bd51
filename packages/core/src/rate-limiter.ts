/**
 * The contract of a token bucket store that several workers share (cluster-wide rate limits), and
 * an in-process implementation of it. The bucket may lend tokens ahead: a call can be granted
 * tokens that only become usable a little later (`horizonMs`), each with its own wait, so that a
 * worker with many tasks waiting takes several tokens in one round trip without ever letting more
 * tasks start per second than the rate.
 *
 * The bucket: it holds at most `burst` tokens, refills at `rate` tokens per second, and a grant may
 * take it down to `-rate × horizonMs / 1000` (tokens lent ahead). Token k of a grant (1-based) is
 * usable once the bucket, as it was before the grant, has refilled to k: after
 * `max(0, (k - tokensBefore) / rate)` seconds.
 */
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';

/** What one acquisition asks for. */
export interface RateLimitRequest {
  /** Tokens per second (> 0). Passed on every call: a changed limit takes effect at once. */
  rate: number;
  /** Most tokens the bucket holds (at least 1); 1 lets no burst through, as Celery's buckets. */
  burst: number;
  /** Tokens the caller can use (≥ 1). */
  wanted: number;
  /** How far ahead, in ms, tokens may be lent (0 = only tokens usable now). @default 0 */
  horizonMs?: number;
}

/** The answer to an acquisition. */
export interface RateLimitGrant {
  /** Tokens taken (0 ≤ granted ≤ wanted). */
  granted: number;
  /** Per granted token, ascending: milliseconds from now until it may be used (0 = now). */
  waitMs: readonly number[];
  /** When granted < wanted: milliseconds until asking again can be granted a token; else 0. */
  retryAfterMs: number;
}

/**
 * A token bucket store shared by every worker that uses it. `@celerity/broker-redis` implements it
 * with one Lua script per call on the server's clock; the memory broker in-process.
 */
export interface SharedRateLimiter {
  /** Takes up to `request.wanted` tokens from the bucket `key`. */
  acquire(key: string, request: RateLimitRequest): Promise<RateLimitGrant>;
  /** Gives back `tokens` taken but not used (say the worker stopped before they were due). */
  release(key: string, tokens: number, request: Pick<RateLimitRequest, 'rate' | 'burst'>): Promise<void>;
}

/**
 * The waits of `granted` tokens taken from a bucket that held `tokensBefore`, and the time until the
 * next token can be lent; shared by every implementation so they answer alike.
 */
export function grantOf(tokensBefore: number, granted: number, wanted: number, request: RateLimitRequest): RateLimitGrant {
  const waitMs: number[] = [];
  for (let k = 1; k <= granted; k++) waitMs.push(Math.max(0, ((k - tokensBefore) / request.rate) * 1000));
  const after = tokensBefore - granted;
  const lent = (request.rate * (request.horizonMs ?? 0)) / 1000;
  const retryAfterMs = granted < wanted ? Math.max(0, ((1 - after - lent) / request.rate) * 1000) : 0;
  return { granted, waitMs, retryAfterMs };
}

/** How many tokens a bucket holding `tokens` can grant: never past the horizon, never a fraction. */
export function grantable(tokens: number, request: RateLimitRequest): number {
  const reach = tokens + (request.rate * (request.horizonMs ?? 0)) / 1000;
  // A hair of tolerance: 0.1 + 0.2 tokens of refill must still make a whole one when it should.
  return Math.max(0, Math.min(request.wanted, Math.floor(reach + 1e-9)));
}

/** Options of {@link createMemoryRateLimiter}. */
export interface MemoryRateLimiterOptions {
  /** The clock the buckets refill by. @default systemClock */
  clock?: Clock;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets in this process, shared by whoever holds the limiter (every worker on one memory
 * broker hub shares the hub's). The worker also uses one of its own for per-worker limits.
 * @example
 * const limiter = createMemoryRateLimiter({ clock: fakeClock });
 * const { granted, waitMs } = await limiter.acquire('tasks.add', { rate: 10, burst: 1, wanted: 5 });
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): SharedRateLimiter {
  const clock = options.clock ?? systemClock;
  const buckets = new Map<string, Bucket>();

  const refill = (key: string, rate: number, burst: number): Bucket => {
    const now = clock.now();
    const bucket = buckets.get(key);
    if (!bucket) {
      const fresh = { tokens: burst, at: now };
      buckets.set(key, fresh);
      return fresh;
    }
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * rate);
    bucket.at = now;
    return bucket;
  };

  return {
    acquire(key, request) {
      const bucket = refill(key, request.rate, request.burst);
      const before = bucket.tokens;
      const granted = grantable(before, request);
      bucket.tokens = before - granted;
      return Promise.resolve(grantOf(before, granted, request.wanted, request));
    },
    release(key, tokens, request) {
      const bucket = refill(key, request.rate, request.burst);
      bucket.tokens = Math.min(request.burst, bucket.tokens + tokens);
      return Promise.resolve();
    },
  };
}
