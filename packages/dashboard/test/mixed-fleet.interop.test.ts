// A mixed fleet on one Redis: a Python Celery 5.2 worker started with -E and a Celerity worker. The
// dashboard shows both (Python and TypeScript, their pools and queues) and the tasks each ran,
// from their events and remote-control replies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient, type Client } from '@celerity/client';
import { waitFor } from '@celerity/testing';
import { createWorker, type Worker } from '@celerity/worker';
import { isAvailable, pythonCeleryStatus, startPythonWorker, type PythonWorker } from '../../../tests/interop/harness/python.js';
import { createRedisScratch, type RedisScratch } from '../../../tests/interop/harness/redis.js';
import { createDashboard, type Dashboard } from '../src/index.js';
import type { Overview, TaskSummary } from '../src/contract.js';
import { readOverview } from '../src/overview.js';
import { getTask, listTasks } from '../src/store-queries.js';
import { tasks } from './live-cluster.js';

const status = pythonCeleryStatus()['5.2'];
const closers: Array<() => Promise<unknown>> = [];
let redis: RedisScratch;
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await redis?.cleanup();
}, 120_000);

describe.skipIf(!isAvailable(status))('a dashboard over Python Celery 5.2 (-E) and Celerity workers', () => {
  let dashboard: Dashboard;
  let client: Client;
  let py: PythonWorker;
  let ts: Worker;
  let pyQueue: string;
  let tsQueue: string;
  beforeAll(async () => {
    redis = await createRedisScratch();
    pyQueue = redis.name('py');
    tsQueue = redis.name('ts');
    dashboard = createDashboard({ broker: createRedisBroker({ url: redis.url }), backend: createRedisBackend({ url: redis.url }), store: redis.url, flushIntervalMs: 50 });
    await dashboard.start();
    closers.push(async () => {
      await dashboard.close();
      await dashboard.client.broker.close();
      await dashboard.client.backend?.close();
    });
    py = await startPythonWorker({ version: '5.2', env: { BROKER_URL: redis.url, RESULT_BACKEND: redis.url, QUEUE: pyQueue }, queues: [pyQueue], events: true, cluster: true });
    closers.push(() => py.stop());
    ts = createWorker({ broker: createRedisBroker({ url: redis.url }), backend: createRedisBackend({ url: redis.url }), tasks, queues: [tsQueue], hostname: `ts-${tsQueue}@celerity`, eventsEnabled: true });
    await ts.start();
    closers.push(async () => {
      await ts.stop({ force: true });
      await ts.broker.close();
      await ts.backend?.close();
    });
    client = createClient({ broker: createRedisBroker({ url: redis.url }), backend: createRedisBackend({ url: redis.url }) });
    closers.push(async () => {
      await client.close();
      await client.broker.close();
      await client.backend?.close();
    });
  }, 120_000);

  it('shows both workers with their language, software, pool and queues, and the tasks each ran', { timeout: 90_000 }, async () => {
    const pyTask = await client.send('tasks.add', [4, 5], { queue: pyQueue });
    const pyFail = await client.send('tasks.fail', ['kaboom'], { queue: pyQueue });
    const tsTask = await client.send('dash.add', [1, 2], { queue: tsQueue });
    expect(await pyTask.get({ timeout: 30 })).toBe(9);
    expect(await tsTask.get({ timeout: 30 })).toBe(3);
    await expect(pyFail.get({ timeout: 30 })).rejects.toThrow(/kaboom/);

    const stored = async (id: string, state: string): Promise<TaskSummary | undefined> => (await listTasks(dashboard.store, { q: id })).find((t) => t.state === state);
    const pyDone = await waitFor(() => stored(pyTask.id, 'SUCCESS'), { timeout: 20_000, interval: 200 });
    expect(pyDone).toMatchObject({ name: 'tasks.add', worker: py.nodeName, args: '[4, 5]', result: '9' });
    const pyFailed = await waitFor(() => stored(pyFail.id, 'FAILURE'), { timeout: 20_000, interval: 200 });
    // Celery 5.2's solo pool reports the exception as `ExceptionWithTraceback()`: shown from the traceback's last line.
    expect(pyFailed.exception).toMatch(/kaboom/);
    expect((await getTask(dashboard.store, pyFail.id))?.traceback).toMatch(/kaboom/);
    expect(await waitFor(() => stored(tsTask.id, 'SUCCESS'), { timeout: 20_000, interval: 200 })).toMatchObject({ name: 'dash.add', worker: ts.hostname, result: '3' });

    await dashboard.poll();
    const overview: Overview = await readOverview(dashboard.store, Date.now() / 1000);
    const pyWorker = overview.workers.find((w) => w.hostname === py.nodeName);
    const tsWorker = overview.workers.find((w) => w.hostname === ts.hostname);
    expect(pyWorker).toMatchObject({ online: true, language: 'python', software: expect.stringMatching(/^py-celery 5\.2\./), pool: 'solo', concurrency: 1, queues: [pyQueue] });
    expect(tsWorker).toMatchObject({ online: true, language: 'typescript', software: expect.stringMatching(/^celerity /), pool: 'async', queues: [tsQueue] });
    expect(overview.queues.map((q) => q.name)).toEqual(expect.arrayContaining([pyQueue, tsQueue]));
    expect(overview.queues.find((q) => q.name === pyQueue)).toMatchObject({ depth: 0, consumers: 1 });
  });
});
