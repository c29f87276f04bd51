/**
 * The Redis Cluster broker of `cluster-kill:redis` (src/servers/redis-cluster.ts): its drain reads
 * the queue's keys in the broker's cluster layout on the master serving them, and killing that
 * master hands the slot to another node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsonSerializer, encodeTaskMessage } from '@celerity/core';
import { startRedisClusterEnv } from '../src/servers/redis-cluster.js';
import type { RedisClusterEnv } from '../src/servers/redis-cluster.js';

let env: RedisClusterEnv;

beforeAll(async () => {
  env = await startRedisClusterEnv();
}, 120_000);

afterAll(async () => {
  await env?.close();
}, 60_000);

describe('the Redis Cluster broker of the chaos harness', () => {
  it('drains what was published to a queue, then moves its slot to a replica when the master is killed', async () => {
    const queue = `chaos-cluster-test-${Date.now().toString(36)}`;
    const broker = env.openBroker();
    try {
      const serializer = createJsonSerializer();
      for (const id of ['c-1', 'c-2', 'c-3']) await broker.publish({ queue }, encodeTaskMessage({ task: 'chaos.work', id, args: [0], kwargs: {} }, { serializer }));
    } finally {
      await broker.close();
    }
    const left = await env.drain(queue);
    expect(left.messages).toBe(3);
    expect(left.ids.sort()).toEqual(['c-1', 'c-2', 'c-3']);
    expect(left).toMatchObject({ unacked: 0, deadLettered: [] });

    const before = await env.masterOf(queue);
    const { killed, promoted } = await env.killMasterOf(queue);
    expect(killed).toBe(before);
    expect(promoted).not.toBe(killed);
    expect(env.cluster.servers.get(killed)?.running).toBe(false);
    expect(await env.masterOf(queue)).toBe(promoted);
  });
});
