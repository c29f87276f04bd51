/** Visibility timeout: messages taken and never acked come back, marked redelivered. */
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Delivery } from '@celerity/core';
import { silentLogger } from '@celerity/core';
import { createKeyspace } from '../src/keys.js';
import { MUTEX_LEASE_MS, restoreVisible } from '../src/restore.js';
import { REDIS_URL, bodyOf, brokerFixture, envelope, randomPrefix, waitFor } from './helpers.js';

let prefix: string;
const { redis, broker } = brokerFixture(() => prefix);
const clients: Redis[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
});

describe('visibility timeout', () => {
  it('restores only messages unacked for longer than the timeout (injected clock)', async () => {
    prefix = randomPrefix();
    let now = 1_000_000_000_000;
    const taker = broker({ now: () => now, visibilityTimeout: 60, restoreInterval: 3600 });
    await taker.publish({ queue: 'q' }, envelope('old', { task: 't' }, { priority: 6 }));
    const taken: Delivery[] = [];
    await taker.consume(['q'], (d) => void taken.push(d));
    await waitFor(() => taken.length === 1);
    now += 30_000;
    await taker.publish({ queue: 'q' }, envelope('young', { task: 't' }));
    await taker.consume(['q'], (d) => void taken.push(d));
    await waitFor(() => taken.length === 2);

    now += 31_000; // 'old' has been unacked 61 s, 'young' 31 s
    const rescuer = broker({ now: () => now, visibilityTimeout: 60, restoreInterval: 3600 });
    expect(await rescuer.restoreVisible()).toBe(1);
    expect(await redis.hlen(`${prefix}unacked`)).toBe(1);
    // kombu ≥ 5.4 restores into the sub-list of the message's priority.
    const list = await redis.lrange(`${prefix}q\x06\x166`, 0, -1);
    expect(list.length).toBe(1);
    const restored = JSON.parse(list[0]!) as { headers: Record<string, unknown>; properties: { delivery_info: Record<string, unknown> } };
    expect(restored.headers['redelivered']).toBe(true);
    expect(restored.properties.delivery_info).toEqual({ exchange: '', routing_key: 'q', redelivered: true });

    const again: Delivery[] = [];
    await rescuer.consume(['q'], (d) => void again.push(d));
    await waitFor(() => again.length === 1);
    expect(bodyOf(again[0]!.envelope)).toBe('old');
    expect(again[0]!.redelivered).toBe(true);
    await again[0]!.ack();
    // The original holder's late ack finds nothing left to remove and must not resurrect anything.
    await taken[0]!.ack();
    await taken[1]!.ack();
    expect(await redis.hlen(`${prefix}unacked`)).toBe(0);
    expect(await rescuer.size('q')).toBe(0);
  });

  it('does nothing while another process holds unacked_mutex', async () => {
    prefix = randomPrefix();
    let now = 1_000_000_000_000;
    const b = broker({ now: () => now, visibilityTimeout: 1, restoreInterval: 3600 });
    await b.publish({ queue: 'q' }, envelope('x'));
    const taken: Delivery[] = [];
    await b.consume(['q'], (d) => void taken.push(d));
    await waitFor(() => taken.length === 1);
    now += 5000;
    await redis.set(`${prefix}unacked_mutex`, 'someone-else', 'PX', 10_000);
    expect(await b.restoreVisible()).toBe(0);
    expect(await redis.get(`${prefix}unacked_mutex`)).toBe('someone-else');
    await redis.del(`${prefix}unacked_mutex`);
    expect(await b.restoreVisible()).toBe(1);
    expect(await redis.exists(`${prefix}unacked_mutex`)).toBe(0);
  });

  it('holds unacked_mutex for a 30 s lease, not kombu\'s 300 s: a pass killed midway blocks others for 30 s at most', async () => {
    prefix = randomPrefix();
    const keys = createKeyspace(prefix, 0);
    // A pass that freezes after taking the mutex, as a process SIGKILLed mid-pass would leave it.
    const frozen = new Proxy(redis, {
      get(target, name, receiver) {
        if (name === 'zrevrangebyscore') return () => new Promise(() => undefined);
        const value: unknown = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    void restoreVisible({ client: frozen, keys, logger: silentLogger, now: () => Date.now() }, 1);
    await waitFor(async () => (await redis.exists(keys.unackedMutex)) === 1);
    const ttl = await redis.pttl(keys.unackedMutex);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(MUTEX_LEASE_MS);
    expect(MUTEX_LEASE_MS).toBe(30_000);
    await redis.del(keys.unackedMutex);
  });

  it('periodically redelivers a message whose consumer died', async () => {
    prefix = randomPrefix();
    const doomedClient = new Redis(REDIS_URL, { lazyConnect: true });
    clients.push(doomedClient);
    const doomed = broker({ client: doomedClient, restoreInterval: 3600 });
    await doomed.publish({ queue: 'q' }, envelope('orphan', { task: 't' }));
    const taken: Delivery[] = [];
    await doomed.consume(['q'], (d) => void taken.push(d));
    await waitFor(() => taken.length === 1);
    // The "worker" dies: its connection is gone and it never acks, rejects or restores.
    doomedClient.disconnect();
    expect(await redis.hlen(`${prefix}unacked`)).toBe(1);

    const survivor = broker({ visibilityTimeout: 1, restoreInterval: 0.2 });
    const got: Delivery[] = [];
    await survivor.consume(['q'], (d) => void got.push(d));
    await waitFor(() => got.length === 1, 15_000, 'redelivery by the periodic restore');
    expect(bodyOf(got[0]!.envelope)).toBe('orphan');
    expect(got[0]!.redelivered).toBe(true);
    await got[0]!.ack();
    expect(await redis.hlen(`${prefix}unacked`)).toBe(0);
  });
});
