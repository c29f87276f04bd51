/**
 * The result backend on a Sentinel topology this test starts (a primary, two replicas, three
 * sentinels with a password): `sentinel://` URLs with Celery's transport options, a wait that
 * spans a failover after SIGKILL of the primary, and `waitReplicas`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '@celerity/core';
import type { ResultBackend, ResultMeta } from '@celerity/core';
import { startSentinelTopology, type SentinelTopology } from '@celerity/testing';
import { Redis } from 'ioredis';
import { ReplicaWaitError, backendAdapter, createRedisBackend } from '../src/index.js';
import type { RedisBackendOptions } from '../src/index.js';

const SENTINEL_PASSWORD = 'sentinel-secret';
const meta = (taskId: string, result: unknown = taskId): ResultMeta => ({ status: 'SUCCESS', result, traceback: null, children: [], date_done: null, task_id: taskId });

let topology: SentinelTopology;
const backends: ResultBackend[] = [];

function backend(options: RedisBackendOptions = {}): ResultBackend {
  const created = createRedisBackend({ url: topology.url.replace(';', '/2;'), masterName: topology.masterName, sentinelPassword: SENTINEL_PASSWORD, ...options });
  backends.push(created);
  return created;
}

async function onNode(port: number, run: (client: Redis) => Promise<unknown>): Promise<unknown> {
  const client = new Redis({ host: '127.0.0.1', port, db: 2, lazyConnect: true });
  try {
    await client.connect();
    return await run(client);
  } finally {
    client.disconnect();
  }
}

beforeAll(async () => {
  topology = await startSentinelTopology({ sentinelPassword: SENTINEL_PASSWORD });
}, 60_000);

afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
  await topology?.stop();
});

describe('Redis result backend on Sentinel', () => {
  it("round-trips through a sentinel:// URL with Celery's master_name and sentinel_kwargs", async () => {
    const viaAdapter = backendAdapter.create(topology.url.replace(';', '/2;'), {
      options: { master_name: topology.masterName, sentinel_kwargs: { password: SENTINEL_PASSWORD } },
    });
    backends.push(viaAdapter);
    await viaAdapter.connect();
    const waiting = viaAdapter.wait('rt-1', { timeout: 20 });
    await viaAdapter.store(meta('rt-1', 42));
    expect((await waiting).result).toBe(42);
    // Written to db 2 of the primary the sentinels name.
    expect(await onNode(await topology.primaryPort(), (c) => c.exists('celery-task-meta-rt-1'))).toBe(1);
  });

  it('fails to connect when the sentinels refuse the password', async () => {
    const wrong = backend({ sentinelPassword: 'nope', redisOptions: { sentinelRetryStrategy: () => null } });
    await expect(wrong.connect()).rejects.toThrow();
    expect(() => backendAdapter.create(topology.url, { options: {} })).toThrow(ConfigurationError);
  });

  it('waitReplicas: a store resolves once both replicas have it, and rejects with ReplicaWaitError when more are required than exist', async () => {
    const durable = backend({ waitReplicas: 2, waitReplicasTimeout: 2000 });
    await durable.connect();
    await durable.store(meta('durable-1'));
    await durable.storeMany([meta('durable-2'), meta('durable-3')]);
    for (const replica of topology.nodes.slice(1)) {
      expect(await onNode(replica.port, (c) => c.exists('celery-task-meta-durable-1', 'celery-task-meta-durable-2', 'celery-task-meta-durable-3'))).toBe(3);
    }
    const tooMany = backend({ waitReplicas: 3, waitReplicasTimeout: 300 });
    const error: unknown = await tooMany.store(meta('durable-4')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicaWaitError);
    expect(error).toMatchObject({ required: 3, acknowledged: 2 });
  });

  it('a wait started before the primary is SIGKILLed gets the result stored on the promoted replica', async () => {
    const waiter = backend();
    const writer = backend();
    await waiter.connect();
    await writer.connect();
    // Subscribed on the old primary (a first result proves the pub/sub connection is up).
    const first = waiter.wait('fo-0', { timeout: 30 });
    await writer.store(meta('fo-0'));
    await first;
    const pending = waiter.wait('fo-1', { timeout: 60 });
    const old = await topology.primaryPort();
    await topology.nodes.find((n) => n.port === old)!.kill();
    await topology.waitForPrimary({ notPort: old, timeout: 45_000 });
    await writer.store(meta('fo-1', 'after failover'));
    expect((await pending).result).toBe('after failover');
    expect((await waiter.get('fo-1'))?.result).toBe('after failover');
  }, 120_000);
});
