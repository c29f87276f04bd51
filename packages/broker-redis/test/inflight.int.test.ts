/**
 * Issue 12: no pop gap. A message taken by an idle consumer is in Redis at every moment — in the
 * queue, in the consumer's in-flight list, or in `unacked` — so a consumer that dies right after the
 * take loses nothing: the restore pass of any other consumer gives it back once the dead one's
 * registration lapses. (With BRPOP the message was only in the dying process.)
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
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
  it('what a dead consumer left in its in-flight list is run by another consumer once the lease lapses, as a first delivery', async () => {
    const prefix = randomPrefix();
    prefixes.push(prefix);
    const keys = createKeyspace(prefix, 0);
    // What a consumer killed between its BLMOVE and the script that records the message leaves behind
    // (the script is queued behind the BLMOVE, so only a NOSCRIPT retry or Redis < 6.2 opens that window).
    const producer = broker(prefix);
    await producer.publish({ queue: 'q' }, envelope('survivor', { id: 't1' }));
    const dead = `${prefix}_celerity.inflight.dead-consumer.q`;
    expect(await redis.lmove(`${prefix}q`, dead, 'RIGHT', 'LEFT')).not.toBeNull();
    await redis.zadd(keys.inflightRegistry, Date.now() / 1000 + INFLIGHT_LEASE_SECONDS, JSON.stringify([dead, `${prefix}q`]));

    // A consumer with today's clock leaves it alone; one whose clock is past the lease gives it back and runs it.
    const now = broker(prefix);
    const ranNow: Delivery[] = [];
    await now.consume(['q'], (d) => void ranNow.push(d));
    await now.restoreVisible();
    expect(await redis.llen(dead)).toBe(1);
    const later = broker(prefix, { now: () => Date.now() + (INFLIGHT_LEASE_SECONDS + 5) * 1000 });
    const ranLater: Delivery[] = [];
    await later.consume(['q'], (d) => void ranLater.push(d));
    await waitFor(() => ranNow.length + ranLater.length === 1, 10_000, 'the message ran');
    const ran = [...ranNow, ...ranLater][0]!;
    expect(bodyOf(ran.envelope)).toBe('survivor');
    expect(ran.redelivered).toBe(false); // it never ran anywhere
    expect(await redis.exists(dead)).toBe(0);
    await ran.ack();
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
