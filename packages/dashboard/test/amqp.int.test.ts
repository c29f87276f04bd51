// The dashboard on RabbitMQ (its own vhost), with its history in Redis: events heard through the
// topic exchange, a queue's depth (no per-priority counts there) and its dead letters, an action.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createClient } from '@celerity/client';
import { waitFor } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import { createTestVhost, type TestVhost } from '../../broker-amqp/test/vhost.js';
import { createDashboard } from '../src/index.js';
import { readOverview } from '../src/overview.js';
import { listTasks } from '../src/store-queries.js';
import { tasks } from './live-cluster.js';
import { REDIS_URL, usePrefixes } from './store-helpers.js';

const newPrefix = usePrefixes();
let vhost: TestVhost;
const cleanups: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  vhost = await createTestVhost();
}, 120_000);
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await vhost?.dispose();
}, 120_000);

describe('a dashboard on RabbitMQ', () => {
  it('ingests a worker’s events and shows its queue', { timeout: 60_000 }, async () => {
    const prefix = newPrefix();
    const dashboard = createDashboard({ broker: createAmqpBroker({ url: vhost.url }), store: REDIS_URL, storePrefix: prefix, flushIntervalMs: 50 });
    await dashboard.start();
    cleanups.push(async () => {
      await dashboard.close();
      await dashboard.client.broker.close();
    });
    const queue = `amqp-${crypto.randomUUID()}`;
    const worker = createWorker({ broker: createAmqpBroker({ url: vhost.url }), tasks, queues: [queue], hostname: 'amqp@test', eventsEnabled: true });
    await worker.start();
    cleanups.push(async () => {
      await worker.stop({ force: true });
      await worker.broker.close();
    });
    const client = createClient({ broker: createAmqpBroker({ url: vhost.url }) });
    cleanups.push(async () => {
      await client.close();
      await client.broker.close();
    });
    const sent = await client.send('dash.add', [3, 4], { queue });
    const task = await waitFor(async () => (await listTasks(dashboard.store, { q: sent.id })).find((t) => t.state === 'SUCCESS'), { timeout: 20_000, interval: 100 });
    expect(task).toMatchObject({ name: 'dash.add', worker: 'amqp@test', result: '7' });

    await dashboard.poll();
    const overview = await readOverview(dashboard.store, Date.now() / 1000);
    expect(overview.workers.find((w) => w.hostname === 'amqp@test')).toMatchObject({ online: true, language: 'typescript', pool: 'async', queues: [queue] });
    expect(overview.queues.find((q) => q.name === queue)).toEqual({ name: queue, depth: 0, byPriority: null, consumers: 1, heldEta: 0, deadLetters: 0 });
  });
});
