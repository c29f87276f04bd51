/**
 * The Redis result backend through a Redis Cluster failover: the master serving a result's slot is
 * killed (SIGKILL), its replica is promoted, and the same backend objects store, read and wait for
 * results again. Its own cluster, as every fault test starts its own servers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskState, type ResultMeta } from '@celerity/core';
import { startRedisCluster, type RedisCluster } from '@celerity/testing';
import { keySlot } from '@celerity/redis-common/internal';
import { createRedisBackend } from '../src/index.js';
import { uniquePrefix } from './redis-helpers.js';

let cluster: RedisCluster;

beforeAll(async () => {
  cluster = await startRedisCluster({ nodeTimeout: 2000 });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

const success = (task_id: string): ResultMeta => ({ task_id, status: TaskState.SUCCESS, result: task_id, traceback: null, children: [], date_done: null });

describe('Redis result backend on a cluster: failover', () => {
  it('stores, reads and waits for results again once the replica of a killed master took over', { timeout: 120_000 }, async () => {
    const keyPrefix = uniquePrefix();
    const worker = createRedisBackend({ url: cluster.url, keyPrefix });
    const client = createRedisBackend({ url: cluster.url, keyPrefix });
    try {
      await Promise.all([worker.connect(), client.connect()]);
      const before = `before-${keyPrefix}`;
      await worker.store(success(before));
      expect((await client.get(before))?.result).toBe(before);

      const slot = keySlot(`${keyPrefix}celery-task-meta-${before}`);
      const master = (await cluster.nodes()).find((n) => n.role === 'master' && n.slots.some(([a, b]) => slot >= a && slot <= b));
      expect(master).toBeDefined();
      await cluster.servers.get(master?.port ?? 0)?.kill();
      await cluster.waitHealthy(3);

      // The same slot, now on the promoted replica: the stored result survived, and new ones go there.
      expect((await client.get(before))?.result).toBe(before);
      const after = Array.from({ length: 10 }, (_, i) => `after-${i}-${keyPrefix}`);
      const waits = after.map((id) => client.wait(id, { timeout: 30 }));
      for (const id of after) await worker.store(success(id));
      expect((await Promise.all(waits)).map((meta) => meta.result)).toEqual(after);
    } finally {
      await Promise.all([worker.close(), client.close()]);
    }
  });
});
