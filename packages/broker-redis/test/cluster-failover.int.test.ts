/**
 * A Redis Cluster failover under a live producer and consumer: the master serving a queue's slot is
 * killed (SIGKILL), its replica is promoted, and publishing and consuming carry on with the same
 * broker objects (ioredis follows the new slot map; our retries cover the gap). Its own cluster, as
 * every fault test starts its own servers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedisCluster, type RedisCluster } from '@celerity/testing';
import { keySlot } from '@celerity/redis-common/internal';
import { createRedisBroker } from '../src/index.js';
import { bodyOf, envelope, randomPrefix, waitFor } from './helpers.js';

let cluster: RedisCluster;

beforeAll(async () => {
  cluster = await startRedisCluster({ nodeTimeout: 2000 });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

describe('Redis broker on a cluster: failover', () => {
  it('keeps publishing and consuming after the master of the queue is killed and its replica promoted', { timeout: 120_000 }, async () => {
    const prefix = randomPrefix();
    const queue = 'failover';
    const producer = createRedisBroker({ url: cluster.url, keyPrefix: prefix, publishTimeout: 30_000 });
    const worker = createRedisBroker({ url: cluster.url, keyPrefix: prefix, pollInterval: 0.2, publishTimeout: 30_000, restoreInterval: 1 });
    const seen = new Set<number>();
    try {
      const consumer = await worker.consume(
        [queue],
        (d) => {
          seen.add(bodyOf(d.envelope) as number);
          void d.ack().catch(() => undefined);
        },
        { prefetch: 10 },
      );
      for (let i = 0; i < 20; i++) await producer.publish({ queue }, envelope(i));
      await waitFor(() => seen.size === 20, 30_000, 'messages before the failover');

      const slot = keySlot(`${prefix}{${queue}}`);
      const before = await cluster.nodes();
      const master = before.find((n) => n.role === 'master' && n.slots.some(([a, b]) => slot >= a && slot <= b));
      expect(master).toBeDefined();
      await cluster.servers.get(master?.port ?? 0)?.kill();
      // Published while the slot has no master: retried until the replica takes over.
      const during = Promise.all(Array.from({ length: 20 }, (_, i) => producer.publish({ queue }, envelope(20 + i))));
      await cluster.waitHealthy(3);
      const after = await cluster.nodes();
      const promoted = after.find((n) => n.role === 'master' && n.slots.some(([a, b]) => slot >= a && slot <= b));
      expect(promoted?.port).toBeDefined();
      expect(promoted?.port).not.toBe(master?.port);
      await during;
      for (let i = 40; i < 60; i++) await producer.publish({ queue }, envelope(i));
      await waitFor(() => seen.size === 60, 60_000, 'every message after the failover');
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));

      // The new master holds the queue's bookkeeping: nothing is left unacked once all is acked.
      const node = new Redis({ host: '127.0.0.1', port: promoted?.port ?? 0 });
      try {
        await waitFor(async () => (await node.hlen(`${prefix}{${queue}}unacked`)) === 0, 20_000, 'acks on the new master');
      } finally {
        node.disconnect();
      }
      await consumer.cancel();
    } finally {
      await Promise.all([producer.close(), worker.close()]);
    }
  });
});
