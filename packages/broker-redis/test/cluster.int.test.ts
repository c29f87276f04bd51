/**
 * The Redis broker on a private six-node Redis Cluster (3 masters + 3 replicas): the shared broker
 * conformance suite, the key layout (each queue's keys in one slot, queues spread over masters), an
 * injected `Cluster` client and the refusal of parking.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import { ConfigurationError } from '@celerity/core';
import { runBrokerConformance, startRedisCluster, type RedisCluster } from '@celerity/testing';
import { createRedisBroker } from '../src/index.js';
import { bodyOf, envelope, randomPrefix, waitFor } from './helpers.js';

let cluster: RedisCluster;
const prefix = randomPrefix();

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

runBrokerConformance('redis cluster', () => createRedisBroker({ url: cluster.url, keyPrefix: prefix, pollInterval: 0.2 }), {
  namePrefix: 'cluster',
});

/** The slot of `key` (CLUSTER KEYSLOT), the master serving it, and whether the key is there. */
async function placement(key: string): Promise<{ slot: number; master: number | undefined; exists: boolean }> {
  const masters = (await cluster.nodes()).filter((n) => n.role === 'master');
  const ask = async <T>(port: number, op: (node: Redis) => Promise<T>): Promise<T> => {
    const node = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
    try {
      await node.connect();
      return await op(node);
    } finally {
      node.disconnect();
    }
  };
  const slot = Number(await ask(masters[0]?.port ?? 0, (node) => node.call('CLUSTER', 'KEYSLOT', key)));
  const master = masters.find((m) => m.slots.some(([from, to]) => slot >= from && slot <= to))?.port;
  const exists = master !== undefined && (await ask(master, (node) => node.exists(key))) === 1;
  return { slot, master, exists };
}

describe('Redis broker on a cluster: key layout', { timeout: 60_000 }, () => {
  it('puts each queue under its own {queue} hash tag, and four queues land on more than one master', async () => {
    const broker = createRedisBroker({ url: cluster.url, keyPrefix: prefix });
    try {
      const queues = ['spread-a', 'spread-b', 'spread-c', 'spread-d'];
      for (const queue of queues) await broker.publish({ queue }, envelope({ queue }));
      const holders = new Set<number | undefined>();
      for (const queue of queues) {
        const list = await placement(`${prefix}{${queue}}`);
        expect(list.exists, queue).toBe(true);
        holders.add(list.master);
        // The queue's other keys hash to the same slot as its list.
        for (const key of [`${prefix}{${queue}}unacked`, `${prefix}{${queue}}unacked_index`, `${prefix}{${queue}}\x06\x169`, broker.deadLetterKey(queue)]) {
          expect((await placement(key)).slot, key).toBe(list.slot);
        }
      }
      expect(holders.has(undefined)).toBe(false);
      expect(holders.size).toBeGreaterThan(1);
      expect(broker.deadLetterKey('spread-a')).toBe(`${prefix}{spread-a}_celerity.dead`);
      for (const queue of queues) expect(await broker.purge(queue)).toBe(1);
    } finally {
      await broker.close();
    }
  });

  it('keeps a consumed message in its queue-tagged unacked hash until acked, across several queues of one consumer', async () => {
    const broker = createRedisBroker({ url: cluster.url, keyPrefix: prefix, pollInterval: 0.2 });
    const inspect = new Cluster(cluster.startupNodes.slice(), { lazyConnect: true });
    try {
      const queues = ['multi-a', 'multi-b', 'multi-c'];
      await broker.publishMany(queues.flatMap((queue) => [0, 1].map((i) => ({ target: { queue }, envelope: envelope({ queue, i }) }))));
      const held: Array<{ queue: string; ack: () => Promise<void>; body: unknown }> = [];
      const consumer = await broker.consume(queues, (d) => held.push({ queue: d.queue, ack: () => d.ack(), body: bodyOf(d.envelope) }), { prefetch: 10 });
      await waitFor(() => held.length === 6, 20_000, 'six deliveries');
      for (const queue of queues) expect(await inspect.hlen(`${prefix}{${queue}}unacked`)).toBe(2);
      await Promise.all(held.map((d) => d.ack()));
      for (const queue of queues) await waitFor(async () => (await inspect.hlen(`${prefix}{${queue}}unacked`)) === 0, 10_000, `acks of ${queue}`);
      expect(held.map((d) => d.body)).toEqual(expect.arrayContaining(queues.flatMap((queue) => [0, 1].map((i) => ({ queue, i })))));
      await consumer.cancel();
    } finally {
      inspect.disconnect();
      await broker.close();
    }
  });

  it('accepts an injected Cluster client and never closes it', async () => {
    const client = new Cluster(cluster.startupNodes.slice(), { lazyConnect: true });
    const broker = createRedisBroker({ client, keyPrefix: prefix, pollInterval: 0.2 });
    try {
      await broker.connect();
      await broker.publish({ queue: 'injected' }, envelope('hello'));
      const got: unknown[] = [];
      const consumer = await broker.consume(['injected'], (d) => {
        got.push(bodyOf(d.envelope));
        void d.ack();
      });
      await waitFor(() => got.length === 1, 20_000, 'delivery');
      expect(got).toEqual(['hello']);
      await consumer.cancel();
      await broker.close();
      expect(client.status).toBe('ready');
    } finally {
      client.disconnect();
    }
  });

  it('refuses parkEtaAfter on a cluster', () => {
    expect(() => createRedisBroker({ url: cluster.url, parkEtaAfter: 3600 })).toThrow(ConfigurationError);
  });
});
