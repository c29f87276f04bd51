// Two dashboards on one store: one ingests at a time, both show the same tasks and counts, nothing is
// counted twice, and when the ingesting one goes the other takes over and carries on.
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import { waitFor } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import { createDashboard, type Dashboard } from '../src/index.js';
import { readOverview } from '../src/overview.js';
import { listTasks } from '../src/store-queries.js';
import { tasks } from './live-cluster.js';
import { REDIS_URL, usePrefixes } from './store-helpers.js';

const newPrefix = usePrefixes();
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

describe('several dashboards on one store', () => {
  it('share one history without double counting, and hand ingestion over', { timeout: 60_000 }, async () => {
    const prefix = newPrefix();
    const queue = `multi-${crypto.randomUUID()}`;
    const worker = createWorker({ broker: createRedisBroker({ url: REDIS_URL, keyPrefix: prefix }), tasks, queues: [queue], hostname: 'multi@test', eventsEnabled: true });
    await worker.start();
    cleanups.push(async () => {
      await worker.stop({ force: true });
      await worker.broker.close();
    });
    const client = createClient({ broker: createRedisBroker({ url: REDIS_URL, keyPrefix: prefix }) });
    cleanups.push(async () => {
      await client.close();
      await client.broker.close();
    });
    const open = async (): Promise<Dashboard> => {
      const broker = createRedisBroker({ url: REDIS_URL, keyPrefix: prefix });
      const dashboard = createDashboard({ broker, store: REDIS_URL, storePrefix: `${prefix}dashboard:`, leaseMs: 600, flushIntervalMs: 50 });
      await dashboard.start();
      cleanups.push(async () => {
        await dashboard.close();
        await broker.close();
      });
      return dashboard;
    };
    const a = await open();
    const b = await open();
    expect([a.ingesting, b.ingesting]).toEqual([true, false]);
    expect(await b.store.csrfToken('unused')).toBe(await a.store.csrfToken('unused'));

    const sendAndWait = async (n: number): Promise<void> => {
      const results = await Promise.all(Array.from({ length: n }, (_, i) => client.send('dash.add', [i, i], { queue })));
      await waitFor(async () => (await listTasks(b.store, { state: 'SUCCESS', limit: 500 })).filter((t) => results.some((r) => r.id === t.id)).length === n, { timeout: 15_000, interval: 100 });
    };
    await sendAndWait(5);
    const now = Date.now() / 1000;
    const [fromA, fromB] = await Promise.all([readOverview(a.store, now), readOverview(b.store, now)]);
    expect(fromA).toEqual(fromB);
    expect(fromA.totals).toMatchObject({ received: 5, succeeded: 5, failed: 0 });
    expect(await listTasks(a.store)).toEqual(await listTasks(b.store));

    await a.close();
    await waitFor(() => b.ingesting, { timeout: 5000, interval: 50 });
    await sendAndWait(3);
    expect((await readOverview(b.store, Date.now() / 1000)).totals).toMatchObject({ received: 8, succeeded: 8 });
    expect((await readOverview(b.store, Date.now() / 1000)).workers.map((w) => w.hostname)).toEqual(['multi@test']);
  });
});
