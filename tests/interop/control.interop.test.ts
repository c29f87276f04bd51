/**
 * Remote control between Python Celery (5.2, 5.5) and Celerity, on Redis and on RabbitMQ (results in
 * Redis): Celery's own command line (`celery -A app inspect ping | active | registered | stats`,
 * `celery control rate_limit | shutdown`, run as a subprocess with `--json`) against a running
 * Celerity worker, and Celerity's `client.control.inspect().ping() / stats()` seeing a Python worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@celerity/testing';
import type { Broker } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import type { Client } from '@celerity/client';
import { createClient } from '@celerity/client';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import type { PythonCeleryVersion, PythonWorker } from './harness/python.js';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, runPythonClient, sendFromPython, startPythonWorker } from './harness/python.js';
import type { RabbitVhost } from './harness/rabbitmq.js';
import { createRabbitVhost } from './harness/rabbitmq.js';
import type { RedisScratch } from './harness/redis.js';
import { createRedisScratch } from './harness/redis.js';
import * as interopTasks from './ts-tasks.js';
import { closeClient, closeWorker } from './harness/closing.js';

const status = pythonCeleryStatus();
type Transport = 'redis' | 'amqp';

function matrix(version: PythonCeleryVersion, transport: Transport): void {
  let redis: RedisScratch;
  let rabbit: RabbitVhost | undefined;
  let brokerUrl: string;
  let env: Record<string, string>;
  let tsWorker: Worker;
  let pyWorker: PythonWorker;
  let client: Client;
  let tsQueue: string;
  const closers: Array<() => Promise<unknown>> = [];
  const newBroker = (): Broker => (transport === 'redis' ? createRedisBroker({ url: brokerUrl }) : createAmqpBroker({ url: brokerUrl }));

  /** `celery -A celery_app <args>` under this Celery version; the JSON it printed (`-j`) and its exit code. */
  const celery = async (...args: string[]): Promise<{ json: unknown; code: number; stdout: string; stderr: string }> => {
    const out = (await runPythonClient(version, ['celery', ...args], env)) as unknown as { stdout: string; stderr: string; code: number };
    const line = out.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('{') || l.startsWith('['))
      .pop();
    return { json: line === undefined ? undefined : (JSON.parse(line) as unknown), code: out.code, stdout: out.stdout, stderr: out.stderr };
  };

  beforeAll(async () => {
    redis = await createRedisScratch();
    if (transport === 'amqp') rabbit = await createRabbitVhost();
    brokerUrl = rabbit?.url ?? redis.url;
    tsQueue = redis.name('ts');
    env = { BROKER_URL: brokerUrl, RESULT_BACKEND: redis.url };
    tsWorker = createWorker({ broker: newBroker(), backend: createRedisBackend({ url: redis.url }), tasks: interopTasks, queues: [tsQueue], concurrency: 2, hostname: `ts-${tsQueue}@celerity` });
    await tsWorker.start();
    closers.push(() => closeWorker(tsWorker));
    pyWorker = await startPythonWorker({ version, env: { ...env, QUEUE: redis.name('py') }, queues: [redis.name('py')], concurrency: 1 });
    client = createClient({ broker: newBroker(), backend: createRedisBackend({ url: redis.url }) });
  }, 120_000);

  afterAll(async () => {
    await closeClient(client);
    for (const close of closers.reverse()) await close().catch(() => {});
    await pyWorker?.stop();
    await redis?.cleanup();
    await rabbit?.cleanup();
  }, 60_000);

  it('celery inspect ping and registered answer for the Celerity worker', async () => {
    const ping = await celery('inspect', 'ping', '-j', '-t', '2', '-d', tsWorker.hostname);
    expect(ping.code).toBe(0);
    expect(ping.json).toEqual({ [tsWorker.hostname]: { ok: 'pong' } });
    const registered = await celery('inspect', 'registered', '-j', '-t', '2', '-d', tsWorker.hostname);
    expect((registered.json as Record<string, string[]>)[tsWorker.hostname]).toEqual(expect.arrayContaining(['tasks.add', 'tasks.sleep']));
  });

  it('celery inspect active lists the running task as Request.info()', async () => {
    const sent = await sendFromPython(version, 'tasks.sleep', [3], { queue: tsQueue, noWait: true }, env);
    await waitFor(() => tsWorker.stats.active === 1, { timeout: 10_000, interval: 20, message: 'the task running' });
    const active = await celery('inspect', 'active', '-j', '-t', '2', '-d', tsWorker.hostname);
    const entries = (active.json as Record<string, Array<Record<string, unknown>>>)[tsWorker.hostname]!;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ id: sent.id, name: 'tasks.sleep', type: 'tasks.sleep', args: [3], hostname: tsWorker.hostname, acknowledged: true, delivery_info: { routing_key: tsQueue } });
    expect(typeof entries[0]!['time_start']).toBe('number');
  });

  it('celery inspect stats has Celery keys', async () => {
    const stats = await celery('inspect', 'stats', '-j', '-t', '2', '-d', tsWorker.hostname);
    const mine = (stats.json as Record<string, Record<string, unknown>>)[tsWorker.hostname]!;
    expect(mine).toMatchObject({ pid: process.pid, prefetch_count: expect.any(Number), pool: expect.objectContaining({ 'max-concurrency': 2 }), broker: expect.objectContaining({ transport }) });
    expect(Object.keys(mine)).toEqual(expect.arrayContaining(['total', 'clock', 'uptime', 'rusage']));
  });

  it('celery control rate_limit is obeyed', async () => {
    const out = await celery('control', 'rate_limit', 'tasks.add', '7/m', '-j', '-t', '2', '-d', tsWorker.hostname);
    expect(out.json).toEqual([{ [tsWorker.hostname]: { ok: 'new rate limit set successfully' } }]);
    const registered = await client.control.inspect({ timeout: 1, destination: [tsWorker.hostname] }).registered();
    expect(registered[tsWorker.hostname]).toContain('tasks.add [rate_limit=7/m]');
  });

  it('Celerity inspect().ping() / stats() see the Python worker', async () => {
    const inspect = client.control.inspect({ timeout: 2, limit: 1, destination: [pyWorker.nodeName] });
    expect(await inspect.ping()).toEqual({ [pyWorker.nodeName]: { ok: 'pong' } });
    const stats = (await inspect.stats())[pyWorker.nodeName]!;
    expect(stats.pool['max-concurrency']).toBe(1);
    expect(typeof stats.pid).toBe('number');
  });

  it('celery control shutdown stops the Celerity worker (no reply, as from a Celery worker)', async () => {
    const out = await celery('control', 'shutdown', '-j', '-t', '1', '-d', tsWorker.hostname);
    expect(out.code).not.toBe(0);
    expect(out.stdout + out.stderr).toMatch(/No nodes replied within time constraint/);
    await tsWorker.stopped;
    const ping = await client.control.inspect({ timeout: 1, destination: [tsWorker.hostname] }).ping();
    expect(ping).toEqual({});
  });
}

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  for (const transport of ['redis', 'amqp'] as const) {
    if (isAvailable(entry)) describe(`control: Python Celery ${entry.celery} ↔ Celerity on ${transport}`, () => matrix(version, transport));
    else describe.skip(`control: Python Celery ${version} ↔ Celerity on ${transport}: ${entry.unavailable}`, () => matrix(version, transport));
  }
}
