import { describe, expect, it } from 'vitest';
import { renderAmqpCluster } from '../src/amqp-cluster/report.js';
import { summarize } from '../src/stats.js';

const sizes = { reps: 3, publishOne: 500, publishBulk: 5000, bulkBatch: 1000, processJobs: 5000 };

describe('renderAmqpCluster', () => {
  it('compares each quorum row with the classic row of the same measure', () => {
    const md = renderAmqpCluster({
      rabbitmq: '3.10.8',
      sizes,
      rows: [
        { target: 'classic-1', measure: 'publish-one', setting: '500 sends', rate: summarize([400, 500, 600]) },
        { target: 'quorum-3', measure: 'publish-one', setting: '500 sends', rate: summarize([200, 250, 300]) },
        { target: 'classic-1', measure: 'process', setting: 'concurrency 25 (prefetch 100)', rate: summarize([4000]), workerCpuUs: summarize([50]) },
        { target: 'quorum-3', measure: 'process', setting: 'concurrency 25 (prefetch 100)', rate: summarize([6000]), workerCpuUs: summarize([40]) },
      ],
      errors: [],
    });
    expect(md).toContain('### RabbitMQ cluster');
    expect(md).toContain('| quorum queue, 3-node cluster | publish, each awaited | 500 sends | 250 (200–300) | 0.50× | — |');
    expect(md).toMatch(/\| quorum queue, 3-node cluster \| process \| concurrency 25 \(prefetch 100\) \| 6,000 \| 1\.50× \| 40 \|/);
    expect(md).toContain('| classic queue, 1 node | publish, each awaited | 500 sends | 500 (400–600) | 1.00× | — |');
  });

  it('says what failed', () => {
    const md = renderAmqpCluster({ rabbitmq: 'unknown', sizes, rows: [], errors: [{ what: 'setup', message: 'rabbitmq-server exited\nlogs' }] });
    expect(md).toContain('Failed: setup: rabbitmq-server exited');
  });
});
