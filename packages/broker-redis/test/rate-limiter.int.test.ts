// The Redis rate limit buckets against the real server: grants lent ahead with their waits, the
// give-back, the key under the broker's prefix and its expiry.
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisBroker } from '../src/index.js';
import { REDIS_URL, inspector, randomPrefix } from './helpers.js';

const raw = inspector();
const prefixes: string[] = [];
afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length > 0) await raw.del(...keys);
  }
  await raw.quit();
});

describe('Redis rate limiter', () => {
  it('grants one token now and lends the rest ahead, spaced 1 / rate apart, never more than the horizon holds', async () => {
    const keyPrefix = randomPrefix();
    prefixes.push(keyPrefix);
    const broker = createRedisBroker({ url: REDIS_URL, keyPrefix });
    try {
      const request = { rate: 40, burst: 1, wanted: 20, horizonMs: 250 };
      const grant = await broker.rateLimiter.acquire('t.a', request);
      // A full bucket (1) plus 250 ms at 40/s (10) lent ahead: 11 tokens, the first now.
      expect(grant.granted).toBe(11);
      expect(grant.waitMs[0]).toBe(0);
      for (let i = 1; i < grant.granted; i++) expect(grant.waitMs[i]! - grant.waitMs[i - 1]!).toBeCloseTo(25, 0);
      expect(grant.retryAfterMs).toBeGreaterThan(0);
      expect(grant.retryAfterMs).toBeLessThanOrEqual(25);
      // Nothing more is lent right away.
      const none = await broker.rateLimiter.acquire('t.a', request);
      expect(none.granted).toBe(0);
      // Given back, the tokens can be taken again (up to the bucket's one plus the horizon).
      await broker.rateLimiter.release('t.a', 5, request);
      const again = await broker.rateLimiter.acquire('t.a', request);
      expect(again.granted).toBeGreaterThanOrEqual(5);
      // The bucket lives under the prefix and expires once it would be full again.
      const key = `${keyPrefix}_celerity.ratelimit.t.a`;
      expect(await raw.exists(key)).toBe(1);
      const ttl = await raw.pttl(key);
      expect(ttl).toBeGreaterThan(1000);
      expect(ttl).toBeLessThanOrEqual(1000 + Math.ceil(((1 + 10) / 40) * 1000) + 10);
    } finally {
      await broker.close();
    }
  });

  it('without a horizon grants only what the bucket holds now', async () => {
    const keyPrefix = randomPrefix();
    prefixes.push(keyPrefix);
    const broker = createRedisBroker({ url: REDIS_URL, keyPrefix });
    try {
      const grant = await broker.rateLimiter.acquire('t.b', { rate: 1, burst: 1, wanted: 3 });
      expect(grant).toMatchObject({ granted: 1, waitMs: [0] });
      const next = await broker.rateLimiter.acquire('t.b', { rate: 1, burst: 1, wanted: 3 });
      expect(next.granted).toBe(0);
      expect(next.retryAfterMs).toBeGreaterThan(900);
    } finally {
      await broker.close();
    }
  });
});
