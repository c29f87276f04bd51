// The worker on real Redis: no task lost when a worker process is SIGKILLed, garbage in the queue
// set aside, and a Redis restart survived without restarting the worker.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Broker, ResultBackend } from '@celerity/core';
import { createJsonSerializer, encodeTaskMessage } from '@celerity/core';
import { createRedisBroker } from '@celerity/broker-redis';
import { createRedisBackend } from '@celerity/backend-redis';
import { randomSuffix, startRedisServer, waitFor } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import * as tasks from './fixtures/tasks.js';

const json = createJsonSerializer();
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const taskModule = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function sendTask(broker: Broker, task: string, args: unknown[]): Promise<string> {
  const id = crypto.randomUUID();
  await broker.publish({ queue: 'celery' }, encodeTaskMessage({ task, id, args }, { serializer: json }));
  return id;
}

describe('worker on Redis', () => {
  it('loses no task when a worker process is killed with SIGKILL while holding messages', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const broker = createRedisBroker({ url: server.url });
    const backend = createRedisBackend({ url: server.url });
    cleanups.push(() => broker.close(), () => backend.close());
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push(await sendTask(broker, 'test.sleepy', [300, `t${i}`]));

    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', cli, 'worker', '-A', taskModule, '-b', server.url, '--result-backend', server.url, '-c', '2', '--prefetch-multiplier', '4', '--acks-late', '--visibility-timeout', '2', '-l', 'info'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    cleanups.push(async () => child.kill('SIGKILL'));

    const raw = new Redis(server.url);
    cleanups.push(() => raw.quit());
    // Kill once the worker holds several unacked messages and has finished at least one task.
    await waitFor(async () => (await raw.hlen('unacked')) >= 4 && /succeeded/.test(output), { timeout: 30_000 });
    child.kill('SIGKILL');
    await exited;
    const held = await raw.hlen('unacked');
    expect(held).toBeGreaterThan(0);

    // A second worker restores what the dead one held once the visibility timeout passes.
    const rescuer = createWorker({
      broker: createRedisBroker({ url: server.url, visibilityTimeout: 2, restoreInterval: 0.5 }),
      backend,
      tasks,
      concurrency: 10,
    });
    await rescuer.start();
    cleanups.push(() => rescuer.stop());
    const results = await Promise.all(ids.map((id) => backend.wait(id, { timeout: 30 })));
    expect(results.map((r) => r.status)).toEqual(ids.map(() => 'SUCCESS'));
    expect(results.map((r) => r.result)).toEqual(ids.map((_, i) => `t${i}`));
    expect(await raw.hlen('unacked')).toBe(0);
  }, 60_000);

  it('sets aside garbage pushed straight into the queue and keeps running good tasks', async () => {
    const prefix = `celerity-test-${randomSuffix()}:`;
    const broker = createRedisBroker({ url: 'redis://127.0.0.1:6379/0', keyPrefix: prefix });
    const backend: ResultBackend = createRedisBackend({ url: 'redis://127.0.0.1:6379/0', keyPrefix: prefix });
    const raw = new Redis('redis://127.0.0.1:6379/0');
    cleanups.push(async () => {
      const keys = await raw.keys(`${prefix}*`);
      if (keys.length > 0) await raw.del(...keys);
      await raw.quit();
    });
    const worker = createWorker({ broker, backend, tasks, concurrency: 4 });
    await worker.start();
    cleanups.push(() => worker.stop(), () => broker.close(), () => backend.close());
    const garbage = [
      'not json at all',
      JSON.stringify({ 'content-type': 'application/json', headers: {}, properties: {} }),
      JSON.stringify({ body: '%%%not-base64%%%', 'content-type': 'application/json', 'content-encoding': 'utf-8', headers: { task: 'test.add', id: 'x' }, properties: { body_encoding: 'base64', delivery_tag: 't', delivery_info: { exchange: '', routing_key: 'celery' } } }),
      JSON.stringify({ body: Buffer.from('\u0000\u0001garbage').toString('base64'), 'content-type': 'application/json', 'content-encoding': 'utf-8', headers: { task: 'test.add', id: crypto.randomUUID() }, properties: { body_encoding: 'base64', delivery_tag: crypto.randomUUID(), delivery_info: { exchange: '', routing_key: 'celery' } } }),
    ];
    for (const item of garbage) await raw.lpush(`${prefix}celery`, item);
    const good = await Promise.all([1, 2, 3].map((n) => sendTask(broker, 'test.add', [n, n])));
    const results = await Promise.all(good.map((id) => backend.wait(id, { timeout: 10 })));
    expect(results.map((r) => r.result)).toEqual([2, 4, 6]);
    await waitFor(() => worker.stats.rejected >= 4, { timeout: 10_000 });
    // Undecodable envelopes are kept for inspection rather than dropped.
    const deadKeys = await raw.keys(`${prefix}*dead*`);
    expect(deadKeys.length).toBeGreaterThan(0);
  }, 30_000);

  it('keeps consuming after Redis restarts under it', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const broker = createRedisBroker({ url: server.url, pollInterval: 0.2 });
    const backend = createRedisBackend({ url: server.url });
    const producer = createRedisBroker({ url: server.url });
    cleanups.push(() => producer.close(), () => broker.close(), () => backend.close());
    const worker = createWorker({ broker, backend, tasks });
    await worker.start();
    cleanups.push(() => worker.stop());
    const before = await sendTask(producer, 'test.add', [1, 2]);
    expect((await backend.wait(before, { timeout: 10 })).result).toBe(3);

    await server.restart();
    const after = await sendTask(producer, 'test.add', [20, 22]);
    expect((await backend.wait(after, { timeout: 20 })).result).toBe(42);
  }, 60_000);
});
