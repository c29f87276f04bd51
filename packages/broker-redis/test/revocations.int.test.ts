/** Durable revokes on Redis: one sorted set, expiry as the score, lapsed members trimmed on add. */
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisBroker } from '@celerity/broker-redis';
import { REDIS_URL, inspector, randomPrefix } from './helpers.js';

const redis = inspector();
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of closers) await close().catch(() => {});
  redis.disconnect();
});

describe('Redis revocations', () => {
  it('lists revokes not lapsed, keeps the later expiry of an id, and trims lapsed ones on add', async () => {
    const keyPrefix = randomPrefix();
    let now = 1_000_000;
    const broker = createRedisBroker({ url: REDIS_URL, keyPrefix, now: () => now });
    closers.push(() => broker.close(), () => redis.del(`${keyPrefix}_celerity.revoked`));
    await broker.revocations.add(['a', 'b'], now + 1_000);
    await broker.revocations.add(['a'], now + 5_000);
    await broker.revocations.add(['a'], now + 2_000); // never shortens
    expect(await broker.revocations.list(now)).toEqual([
      { id: 'b', expiresAt: now + 1_000 },
      { id: 'a', expiresAt: now + 5_000 },
    ]);
    expect(await broker.revocations.list(now + 1_000)).toEqual([{ id: 'a', expiresAt: now + 5_000 }]);
    now += 1_000;
    await broker.revocations.add(['c'], now + 1_000);
    expect(await redis.zrange(`${keyPrefix}_celerity.revoked`, '0', '-1')).toEqual(['c', 'a']);
  });
});
