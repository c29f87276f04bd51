import { describe, expect, it } from 'vitest';
import { renderCluster } from '../src/cluster/report.js';

describe('renderCluster', () => {
  it('compares each cluster row with the single-server row with as many queues, and lists failures', () => {
    const md = renderCluster({
      masters: 3,
      replicas: 1,
      rows: [
        { redis: 'single', queues: 2, messages: 1000, masters: 1, publishPerS: 50_000, consumePerS: 20_000 },
        { redis: 'cluster', queues: 2, messages: 1000, masters: 2, publishPerS: 40_000, consumePerS: 30_000 },
      ],
      errors: [{ what: 'cluster 4 queue(s)', message: 'boom\nstack' }],
    });
    expect(md).toContain('| single | 2 | 1 | 50000 | 20000 | 1.00× |');
    expect(md).toContain('| cluster | 2 | 2 | 40000 | 30000 | 1.50× |');
    expect(md).toContain('3 masters + 3 replicas');
    expect(md).toContain('Failed: cluster 4 queue(s): boom');
    expect(md).not.toContain('stack');
  });
});
