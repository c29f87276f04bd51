import { describe, expect, it } from 'vitest';
import { startRedisCluster } from '../src/index.js';

describe('startRedisCluster', () => {
  it('starts three masters with a replica each serving every slot, and stops them all', async () => {
    const cluster = await startRedisCluster();
    try {
      expect(cluster.servers.size).toBe(6);
      expect(cluster.url).toBe(`rediscluster://${cluster.startupNodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`);
      const nodes = await cluster.nodes();
      const masters = nodes.filter((n) => n.role === 'master');
      expect(masters).toHaveLength(3);
      expect(nodes.filter((n) => n.role === 'replica')).toHaveLength(3);
      expect(masters.reduce((sum, n) => sum + n.slots.reduce((s, [a, b]) => s + b - a + 1, 0), 0)).toBe(16384);
    } finally {
      await cluster.stop();
    }
    expect([...cluster.servers.values()].every((s) => !s.running)).toBe(true);
  }, 60_000);
});
