/**
 * The Redis result backend on a private six-node Redis Cluster (3 masters + 3 replicas): the shared
 * backend conformance suite, results spread by task id, a group's keys in one slot, storeMany across
 * slots, and an injected `Cluster` client.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from 'ioredis';
import { TaskState } from '@celerity/core';
import { runBackendConformance, startRedisCluster, type RedisCluster } from '@celerity/testing';
import { keySlot } from '@celerity/redis-common/internal';
import { createRedisBackend } from '../src/index.js';
import { uniquePrefix } from './redis-helpers.js';

let cluster: RedisCluster;
const keyPrefix = uniquePrefix();

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

runBackendConformance('redis cluster', () => createRedisBackend({ url: cluster.url, keyPrefix }));

describe('Redis result backend on a cluster', { timeout: 60_000 }, () => {
  it('stores many results in one call across slots, spread over more than one master, and a chord counts its parts in one slot', async () => {
    const backend = createRedisBackend({ url: cluster.url, keyPrefix });
    const inspect = new Cluster(cluster.startupNodes.slice(), { lazyConnect: true });
    try {
      await backend.connect();
      const ids = Array.from({ length: 20 }, (_, i) => `spread-${i}-${keyPrefix}`);
      await backend.storeMany(ids.map((task_id) => ({ task_id, status: TaskState.SUCCESS, result: task_id, traceback: null, children: [], date_done: null })));
      for (const id of ids) expect((await backend.get(id))?.result).toBe(id);
      const masters = (await cluster.nodes()).filter((n) => n.role === 'master');
      const owners = new Set(ids.map((id) => masters.find((m) => m.slots.some(([a, b]) => keySlot(`${keyPrefix}celery-task-meta-${id}`) >= a && keySlot(`${keyPrefix}celery-task-meta-${id}`) <= b))?.port));
      expect(owners.size).toBeGreaterThan(1);

      const gid = `group-${keyPrefix}`;
      await backend.chordInit(gid, 2);
      const slots = new Set(['', '.j', '.s'].map((suffix) => keySlot(`${keyPrefix}celery-taskset-meta-{${gid}}${suffix}`)));
      expect(slots.size).toBe(1);
      expect(await inspect.get(`${keyPrefix}celery-taskset-meta-{${gid}}.s`)).toBe('2');
      expect((await backend.chordPartReturn(gid, { taskId: 'p1', index: 0, status: TaskState.SUCCESS, result: 1 })).complete).toBe(false);
      const done = await backend.chordPartReturn(gid, { taskId: 'p2', index: 1, status: TaskState.SUCCESS, result: 2 });
      expect(done.complete).toBe(true);
      expect(await inspect.exists(`${keyPrefix}celery-taskset-meta-{${gid}}.j`)).toBe(0);
    } finally {
      inspect.disconnect();
      await backend.close();
    }
  });

  it('accepts an injected Cluster client, waits on results pushed from any master, and never closes the client', async () => {
    const client = new Cluster(cluster.startupNodes.slice(), { lazyConnect: true });
    const backend = createRedisBackend({ client, keyPrefix });
    try {
      await backend.connect();
      const mint = backend.newTaskId ?? randomUUID;
      const ids = Array.from({ length: 6 }, () => mint());
      const waits = ids.map((id) => backend.wait(id, { timeout: 20 }));
      for (const id of ids) await backend.store({ task_id: id, status: TaskState.SUCCESS, result: id, traceback: null, children: [], date_done: null });
      expect((await Promise.all(waits)).map((meta) => meta.result)).toEqual(ids);
      await backend.close();
      expect(client.status).toBe('ready');
    } finally {
      client.disconnect();
    }
  });
});
