/**
 * The broker on a Sentinel topology this test starts (a primary, two replicas, three sentinels on
 * free ports): `sentinel://` URLs, a failover after SIGKILL of the primary, and `waitReplicas`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '@celerity/core';
import type { BroadcastMessage, Delivery } from '@celerity/core';
import { startSentinelTopology, type SentinelTopology } from '@celerity/testing';
import { ReplicaWaitError, brokerAdapter, createRedisBroker, type RedisBroker } from '../src/index.js';
import { bodyOf, envelope, waitFor } from './helpers.js';

let topology: SentinelTopology;
const brokers: RedisBroker[] = [];

function broker(options: Parameters<typeof createRedisBroker>[0] = {}): RedisBroker {
  const created = createRedisBroker({ url: `${topology.url.replace(';', '/3;')}`, masterName: topology.masterName, pollInterval: 0.2, publishTimeout: 30_000, ...options });
  brokers.push(created);
  return created;
}

beforeAll(async () => {
  topology = await startSentinelTopology();
}, 60_000);

afterAll(async () => {
  await Promise.all(brokers.map((b) => b.close()));
  await topology?.stop();
});

describe('Redis broker on Sentinel', () => {
  it('refuses a sentinel:// URL without master_name, as kombu does', () => {
    expect(() => createRedisBroker({ url: topology.url })).toThrow(ConfigurationError);
    expect(() => createRedisBroker({ url: topology.url })).toThrow(/master_name/);
  });

  it('round-trips through a sentinel:// URL given to the URL adapter with kombu option names', async () => {
    const viaAdapter = brokerAdapter.create(`${topology.url.replace(';', '/3;')}`, { options: { master_name: topology.masterName, global_keyprefix: 'rt:' } }) as RedisBroker;
    brokers.push(viaAdapter);
    expect(viaAdapter.db).toBe(3);
    const got: Delivery[] = [];
    await viaAdapter.consume(['q'], (d) => {
      got.push(d);
      void d.ack();
    });
    await viaAdapter.publish({ queue: 'q' }, envelope('hello'));
    await waitFor(() => got.length === 1, 20_000, 'delivery');
    expect(bodyOf(got[0]!.envelope)).toBe('hello');
  });

  it('waitReplicas resolves once the replicas have the message, and rejects with ReplicaWaitError when too few can ack', async () => {
    const durable = broker({ keyPrefix: 'durable:', waitReplicas: 2, waitReplicasTimeout: 2000 });
    await durable.publish({ queue: 'q' }, envelope('kept'));
    await durable.publishMany([{ target: { queue: 'q' }, envelope: envelope('kept too') }]);
    // Every replica holds the list once the publish resolved (WAIT 2 counted both).
    for (const replica of topology.nodes.slice(1)) {
      expect(await replicaListLength(replica.port, 'durable:q')).toBe(2);
    }
    // Three replicas cannot exist: WAIT times out with 2 and the publish rejects.
    const tooMany = broker({ keyPrefix: 'durable:', waitReplicas: 3, waitReplicasTimeout: 300 });
    const error: unknown = await tooMany.publish({ queue: 'q' }, envelope('unsure')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicaWaitError);
    expect(error).toMatchObject({ code: 'REPLICA_WAIT', required: 3, acknowledged: 2, retryable: false });
  });

  it('follows a failover: consuming, publishing and broadcast go on after the primary is SIGKILLed', async () => {
    const consumer = broker({ keyPrefix: 'fo:' });
    const producer = broker({ keyPrefix: 'fo:' });
    const got: string[] = [];
    await consumer.consume(['q'], (d) => {
      got.push(String(bodyOf(d.envelope)));
      void d.ack().catch(() => undefined);
    });
    const broadcasts: BroadcastMessage[] = [];
    await consumer.subscribe('celeryev', '#', (message) => broadcasts.push(message));
    await producer.publish({ queue: 'q' }, envelope('before'));
    await waitFor(() => got.includes('before'), 20_000, 'delivery before the failover');

    const old = await topology.primaryPort();
    await topology.nodes.find((n) => n.port === old)!.kill();
    // Published while there is no primary: retried until Sentinel has promoted a replica.
    const during = producer.publish({ queue: 'q' }, envelope('during'));
    const promoted = await topology.waitForPrimary({ notPort: old, timeout: 45_000 });
    expect(promoted.port).not.toBe(old);
    await during;
    await producer.publish({ queue: 'q' }, envelope('after'));
    await waitFor(() => got.includes('during') && got.includes('after'), 45_000, 'deliveries after the failover');

    // The pub/sub connection re-subscribed on the new primary.
    await waitFor(async () => {
      await producer.broadcast('celeryev', 'worker.heartbeat', envelope('beat'));
      return broadcasts.length > 0;
    }, 30_000, 'a broadcast after the failover');
  }, 120_000);

  it('waitReplicas rejects with ReplicaWaitError once the replicas are gone (after the failover above)', async () => {
    const primary = await topology.waitForPrimary();
    await Promise.all(topology.nodes.filter((n) => n !== primary).map((n) => n.kill()));
    await waitFor(async () => (await topology.syncedReplicas(primary)) === 0, 30_000, 'the primary to notice its replicas are gone');
    const durable = broker({ keyPrefix: 'gone:', waitReplicas: 1, waitReplicasTimeout: 300 });
    const error: unknown = await durable.publish({ queue: 'q' }, envelope('unsure')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicaWaitError);
    expect(error).toMatchObject({ required: 1, acknowledged: 0 });
    // Without the option the same publish succeeds: the rejection comes from the wait alone.
    await broker({ keyPrefix: 'gone:' }).publish({ queue: 'q' }, envelope('plain'));
  }, 60_000);
});

/** LLEN of a key on a replica, read with a plain socket (the broker only talks to the primary). */
async function replicaListLength(port: number, key: string): Promise<number> {
  const { Redis } = await import('ioredis');
  const client = new Redis({ port, host: '127.0.0.1', db: 3, lazyConnect: true });
  try {
    await client.connect();
    return await client.llen(key);
  } finally {
    client.disconnect();
  }
}
