/**
 * Issue 12: no pop gap. A message taken by an idle consumer is in Redis at every moment — in the
 * queue, in the consumer's in-flight list, or in `unacked` — so a consumer that dies right after the
 * take loses nothing: the restore pass of any other consumer gives it back once the dead one's
 * registration lapses. (With BRPOP the message was only in the dying process.)
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Delivery } from '@celerity/core';
import { deleteKeys } from '@celerity/testing';
import { createRedisBroker, type RedisBroker, type RedisBrokerOptions } from '../src/index.js';
import { createKeyspace } from '../src/keys.js';
import { INFLIGHT_LEASE_SECONDS, sweepLapsedInflight } from '../src/inflight.js';
import { REDIS_URL, bodyOf, envelope, inspector, randomPrefix, waitFor } from './helpers.js';

const redis = inspector();
const prefixes: string[] = [];
const closers: Array<() => Promise<unknown>> = [];

function broker(keyPrefix: string, options: RedisBrokerOptions = {}): RedisBroker {
  const b = createRedisBroker({ url: REDIS_URL, pollInterval: 0.2, restoreInterval: 0.2, ...options, keyPrefix });
  closers.push(() => b.close());
  return b;
}

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close().catch(() => undefined)));
  for (const prefix of prefixes.splice(0)) await deleteKeys(redis, `${prefix}*`);
});
afterAll(async () => {
  await redis.quit();
});

describe('in-flight lists (the pop gap)', () => {
  it('a consumer that dies between the take and the record loses nothing: another consumer gets the message once the lease lapses', async () => {
    const prefix = randomPrefix();
    prefixes.push(prefix);
    // Consumer A loses its command connection while blocked: the take happens, the record never does.
    const commands = new Redis(REDIS_URL);
    const a = broker(prefix, { client: commands });
    const ranOnA: Delivery[] = [];
    await a.consume(['q'], (d) => void ranOnA.push(d));
    await waitFor(async () => (await redis.zcard(`${prefix}_celerity.inflight`)) === 1, 10_000, 'A registered and blocking');
    commands.disconnect();
    const producer = broker(prefix);
    await producer.publish({ queue: 'q' }, envelope('survivor', { id: 't1' }));
    await waitFor(async () => (await redis.keys(`${prefix}_celerity.inflight.*`)).length === 1, 10_000, 'the message moved into A\'s in-flight list');
    expect(await redis.llen(`${prefix}q`)).toBe(0);
    expect(await redis.hlen(`${prefix}unacked`)).toBe(0);

    // Another consumer whose clock is past A's lease gives it back and runs it.
    const b = broker(prefix, { now: () => Date.now() + (INFLIGHT_LEASE_SECONDS + 5) * 1000 });
    const ranOnB: Delivery[] = [];
    await b.consume(['q'], (d) => void ranOnB.push(d));
    await waitFor(() => ranOnB.length === 1, 10_000, 'B got the message');
    expect(bodyOf(ranOnB[0]!.envelope)).toBe('survivor');
    expect(ranOnB[0]!.redelivered).toBe(false); // it never ran anywhere
    expect(ranOnA).toEqual([]);
    expect(await redis.keys(`${prefix}_celerity.inflight.*`)).toEqual([]);
    await ranOnB[0]!.ack();
  });

  it('the sweep gives back only lapsed lists, oldest take consumed first, and drops their registration', async () => {
    const prefix = randomPrefix();
    prefixes.push(prefix);
    const keys = createKeyspace(prefix, 0);
    const now = Date.now();
    await redis.rpush(`${prefix}q`, 'newest-waiting');
    // A lapsed consumer took m1 then m2 (BLMOVE pushes left), a live one took m3.
    await redis.lpush(`${prefix}_celerity.inflight.dead.q`, 'm1', 'm2');
    await redis.lpush(`${prefix}_celerity.inflight.live.q`, 'm3');
    await redis.zadd(keys.inflightRegistry, now / 1000 - 1, JSON.stringify([`${prefix}_celerity.inflight.dead.q`, `${prefix}q`]));
    await redis.zadd(keys.inflightRegistry, now / 1000 + 30, JSON.stringify([`${prefix}_celerity.inflight.live.q`, `${prefix}q`]));
    expect(await sweepLapsedInflight(redis, keys, now)).toBe(2);
    // Consumers take from the right: m1 (taken first) is next, then m2, then what was waiting.
    expect(await redis.lrange(`${prefix}q`, 0, -1)).toEqual(['newest-waiting', 'm2', 'm1']);
    expect(await redis.exists(`${prefix}_celerity.inflight.dead.q`)).toBe(0);
    expect(await redis.lrange(`${prefix}_celerity.inflight.live.q`, 0, -1)).toEqual(['m3']);
    expect(await redis.zcard(keys.inflightRegistry)).toBe(1);
  });

  it('cancel() drops the consumer\'s registration and leaves no in-flight list behind', async () => {
    const prefix = randomPrefix();
    prefixes.push(prefix);
    const b = broker(prefix);
    const consumer = await b.consume(['q', 'r'], () => undefined);
    await waitFor(async () => (await redis.zcard(`${prefix}_celerity.inflight`)) === 2, 10_000, 'registered for both queues');
    await consumer.cancel();
    expect(await redis.zcard(`${prefix}_celerity.inflight`)).toBe(0);
    expect(await redis.keys(`${prefix}_celerity.inflight*`)).toEqual([]);
  });
});
