// Pools and time limits on Redis and RabbitMQ: a CPU-bound task past its hard limit in the thread
// and process pools ends FAILURE and the worker keeps serving (through the command line's -A and -P
// on Redis), the soft limit reaches the task, rejectOnWorkerLost requeues through the broker, and
// the async pool never runs more bodies than its concurrency under hard limits.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Broker, ResultBackend, ResultMeta, TaskMessageInit } from '@celerity/core';
import { createJsonSerializer, defineTask, encodeTaskMessage } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBroker } from '@celerity/broker-redis';
import { createRedisBackend } from '@celerity/backend-redis';
import { deleteKeys, randomSuffix, startRedisServer, waitFor } from '@celerity/testing';
import type { WorkerOptions } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { createTestVhost } from '../../broker-amqp/test/vhost.js';
import * as tasks from './fixtures/pool-tasks.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const json = createJsonSerializer();
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const tasksModule = fileURLToPath(new URL('./fixtures/pool-tasks.ts', import.meta.url));
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
}, 60_000);

async function send(broker: Broker, init: Omit<TaskMessageInit, 'id'>): Promise<string> {
  const id = crypto.randomUUID();
  await broker.publish({ queue: 'celery' }, encodeTaskMessage({ ...init, id }, { serializer: json }));
  return id;
}

/** A result backend under a key prefix of this run on the shared Redis, removed afterwards. */
function scratchBackend(): { backend: ResultBackend; prefix: string } {
  const prefix = `celerity-test-${randomSuffix()}:`;
  const backend = createRedisBackend({ url: REDIS_URL, keyPrefix: prefix });
  cleanups.push(async () => {
    const redis = new Redis(REDIS_URL);
    await deleteKeys(redis, `${prefix}*`);
    redis.disconnect();
  });
  return { backend, prefix };
}

interface Transport {
  name: string;
  /** A broker for the worker and one for the test, on a scratch namespace of this run. */
  brokers(): Promise<{ worker: () => Broker; publisher: Broker }>;
}

const transports: Transport[] = [
  {
    name: 'Redis',
    brokers: async () => {
      const prefix = `celerity-test-${randomSuffix()}:`;
      cleanups.push(async () => {
        const redis = new Redis(REDIS_URL);
        await deleteKeys(redis, `${prefix}*`);
        redis.disconnect();
      });
      return { worker: () => createRedisBroker({ url: REDIS_URL, keyPrefix: prefix }), publisher: createRedisBroker({ url: REDIS_URL, keyPrefix: prefix }) };
    },
  },
  {
    name: 'RabbitMQ',
    brokers: async () => {
      const vhost = await createTestVhost();
      cleanups.push(() => vhost.dispose());
      return { worker: () => createAmqpBroker({ url: vhost.url }), publisher: createAmqpBroker({ url: vhost.url }) };
    },
  },
];

const nap = defineTask({ name: 'int.nap', params: ['ms'] }, async (ms: number) => {
  bodies++;
  mostBodies = Math.max(mostBodies, bodies);
  await new Promise((resolve) => setTimeout(resolve, ms));
  bodies--;
  return 'woke';
});
let bodies = 0;
let mostBodies = 0;

describe.each(transports)('pools on $name', (transport) => {
  async function start(options: Partial<WorkerOptions>) {
    const { worker: makeBroker, publisher } = await transport.brokers();
    const { backend } = scratchBackend();
    await publisher.connect();
    const worker = createWorker({ broker: makeBroker(), backend, tasks: { ...tasks, intNap: nap }, tasksModule, concurrency: 1, ...options });
    await worker.start();
    cleanups.push(() => worker.stop(), () => publisher.close(), () => backend.close());
    const result = (id: string): Promise<ResultMeta> => backend.wait(id, { timeout: 20 });
    return { worker, publisher, result };
  }

  it.each(['threads', 'processes'] as const)('%s: a CPU-bound task past its hard limit (the header wins over the worker default) ends FAILURE and the next task runs on a fresh child', async (pool) => {
    const { worker, publisher, result } = await start({ pool, timeLimit: 30 });
    const before = (await result(await send(publisher, { task: 'pool.whoami', args: [] }))).result;
    const spun = await result(await send(publisher, { task: 'pool.spin', args: [5000], timeLimit: [0.3, null] }));
    expect(spun.result).toEqual({ exc_type: 'TimeLimitExceeded', exc_message: [0.3], exc_module: 'billiard.exceptions' });
    const after = await result(await send(publisher, { task: 'pool.whoami', args: [] }));
    expect(after.status).toBe('SUCCESS');
    expect(after.result).not.toBe(before);
    await worker.stop();
  });

  it('processes: autoscale grows to max, the soft limit is caught by the task, rejectOnWorkerLost requeues through the broker', async () => {
    const { worker, publisher, result } = await start({ pool: 'processes', autoscale: { min: 1, max: 2 }, softTimeLimit: 0.2, acksLate: true, rejectOnWorkerLost: true, maxDeliveries: 1 });
    expect(worker.concurrency).toBe(2);
    const [soft, other] = await Promise.all([send(publisher, { task: 'pool.softly', args: [3000] }), send(publisher, { task: 'pool.nap', args: [600] })]);
    expect((await result(soft)).result).toBe('caught soft limit');
    expect((await result(other)).status).toBe('SUCCESS');
    // Two at once: autoscale grew the pool to its max.
    expect(worker.pool.size).toBe(2);
    // Requeued once by the policy, then dead-lettered on its second delivery.
    const died = await result(await send(publisher, { task: 'pool.die', args: [] }));
    expect(died.result).toMatchObject({ exc_type: 'MaxDeliveriesExceeded' });
    await worker.stop();
  });

  it('async: never more bodies than concurrency under a hard limit', async () => {
    bodies = 0;
    mostBodies = 0;
    const { worker, publisher, result } = await start({ concurrency: 2, timeLimit: 0.1 });
    const ids = await Promise.all(Array.from({ length: 6 }, () => send(publisher, { task: 'int.nap', args: [300] })));
    for (const meta of await Promise.all(ids.map(result))) expect(meta.result).toMatchObject({ exc_type: 'TimeLimitExceeded' });
    await worker.idle();
    expect(mostBodies).toBe(2);
    await worker.stop();
  });
});

describe('the command line', () => {
  it('runs -A tasks in the process pool (-P prefork) with --time-limit and --max-tasks-per-child, on Redis', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const broker = createRedisBroker({ url: server.url });
    const backend = createRedisBackend({ url: server.url });
    cleanups.push(() => broker.close(), () => backend.close());
    await broker.connect();
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', cli, 'worker', '-A', tasksModule, '-b', server.url, '--result-backend', server.url, '-P', 'prefork', '-c', '1', '--time-limit', '0.5', '--max-tasks-per-child', '2', '-l', 'info'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    cleanups.push(async () => child.kill('SIGKILL'));
    await waitFor(() => /ready\./.test(output), { timeout: 20_000 });
    expect(output).toContain('concurrency: 1 (processes)');

    const spun = await backend.wait(await send(broker, { task: 'pool.spin', args: [5000] }), { timeout: 20 });
    expect(spun.result).toEqual({ exc_type: 'TimeLimitExceeded', exc_message: [0.5], exc_module: 'billiard.exceptions' });
    expect(output).toMatch(/Hard time limit \(0\.5s\) exceeded for pool\.spin/);
    const who: unknown[] = [];
    for (let i = 0; i < 3; i++) who.push((await backend.wait(await send(broker, { task: 'pool.whoami', args: [] }), { timeout: 20 })).result);
    // The fresh child ran two tasks, then was replaced.
    expect(who[0]).toBe(who[1]);
    expect(who[2]).not.toBe(who[0]);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
