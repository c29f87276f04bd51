/**
 * Issue 12: a live broker keeps the `unacked_index` score of what it holds fresh, so no restore
 * pass hands its messages out again; an ack racing the refresh is never undone.
 */
import { describe, expect, it } from 'vitest';
import type { Delivery } from '@celerity/core';
import { refreshPeriod } from '../src/held-refresh.js';
import { brokerFixture, envelope, randomPrefix, waitFor } from './helpers.js';

let prefix: string;
const { redis, broker } = brokerFixture(() => prefix);

describe('held messages are kept fresh (issue 12)', () => {
  it('a refresh moves the score of a held message to now, so a restore pass leaves it alone (injected clock)', async () => {
    prefix = randomPrefix();
    let now = 1_000_000_000_000;
    const taker = broker({ now: () => now, visibilityTimeout: 60, restoreInterval: 3600 });
    await taker.publish({ queue: 'q' }, envelope('held', { task: 't' }));
    const taken: Delivery[] = [];
    await taker.consume(['q'], (d) => void taken.push(d));
    await waitFor(() => taken.length === 1);
    const tag = taken[0]!.deliveryTag;
    expect(Number(await redis.zscore(`${prefix}unacked_index`, tag))).toBe(1_000_000_000);

    now += 61_000;
    expect(await taker.refreshHeld()).toBe(1);
    expect(Number(await redis.zscore(`${prefix}unacked_index`, tag))).toBe(1_000_000_061);
    const rescuer = broker({ now: () => now, visibilityTimeout: 60, restoreInterval: 3600 });
    expect(await rescuer.restoreVisible()).toBe(0);
    expect(await redis.hlen(`${prefix}unacked`)).toBe(1);

    // Once acked, a refresh finds nothing to move and writes nothing back.
    await taken[0]!.ack();
    now += 61_000;
    expect(await taker.refreshHeld()).toBe(0);
    expect(await redis.zcard(`${prefix}unacked_index`)).toBe(0);
    expect(await redis.hlen(`${prefix}unacked`)).toBe(0);
  });

  it('never writes back an entry acked or restored behind its back', async () => {
    prefix = randomPrefix();
    let now = 1_000_000_000_000;
    const taker = broker({ now: () => now, visibilityTimeout: 60, restoreInterval: 3600 });
    await taker.publish({ queue: 'q' }, envelope('a', { task: 't' }));
    await taker.publish({ queue: 'q' }, envelope('b', { task: 't' }));
    const taken: Delivery[] = [];
    await taker.consume(['q'], (d) => void taken.push(d), { prefetch: 2 });
    await waitFor(() => taken.length === 2);
    // Another process acks one (kombu's MULTI ZREM + HDEL) and leaves a stray index entry for the
    // other: neither may come back in `unacked_index` with a fresh score.
    await redis.multi().zrem(`${prefix}unacked_index`, taken[0]!.deliveryTag).hdel(`${prefix}unacked`, taken[0]!.deliveryTag).exec();
    await redis.hdel(`${prefix}unacked`, taken[1]!.deliveryTag);
    now += 5_000;
    expect(await taker.refreshHeld()).toBe(0);
    expect(await redis.zscore(`${prefix}unacked_index`, taken[0]!.deliveryTag)).toBeNull();
    expect(Number(await redis.zscore(`${prefix}unacked_index`, taken[1]!.deliveryTag))).toBe(1_000_000_000);
  });

  it('a live consumer keeps a message past the visibility timeout; another consumer restoring every 200 ms never gets it', async () => {
    prefix = randomPrefix();
    const taker = broker({ visibilityTimeout: 1, restoreInterval: 0.2 });
    await taker.publish({ queue: 'q' }, envelope('held', { task: 't' }));
    const taken: Delivery[] = [];
    await taker.consume(['q'], (d) => void taken.push(d));
    await waitFor(() => taken.length === 1);
    const rescuer = broker({ visibilityTimeout: 1, restoreInterval: 0.2 });
    const stolen: Delivery[] = [];
    await rescuer.consume(['q'], (d) => void stolen.push(d));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(stolen).toHaveLength(0);
    expect(await redis.hlen(`${prefix}unacked`)).toBe(1);
    await taken[0]!.ack();
    await waitFor(async () => (await redis.hlen(`${prefix}unacked`)) === 0);
  });

  it('refreshes every third of the visibility timeout, at least every 250 ms', () => {
    expect(refreshPeriod(3600)).toBe(1_200_000);
    expect(refreshPeriod(3)).toBe(1_000);
    expect(refreshPeriod(0.3)).toBe(250);
  });
});
