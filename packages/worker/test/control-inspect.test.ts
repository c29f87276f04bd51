/**
 * Celery's inspect and control commands on the memory broker, through the client's typed API:
 * reply shapes (`Request.info()`, stats keys, `{ok}` / `{error}`), destinations, and that each
 * control command changes what the worker does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, Logger, ResultBackend, TaskContext } from '@celerity/core';
import { SoftTimeLimitExceeded, createJsonSerializer, createMemoryBackend, createMemoryBroker, defineTask, encodeTaskMessage, silentLogger } from '@celerity/core';
import type { Client } from '@celerity/client';
import { createClient } from '@celerity/client';
import type { Worker, WorkerOptions } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { waitFor } from '@celerity/testing';
import { until } from './event-loop.js';

const json = createJsonSerializer();
let broker: Broker;
let backend: ResultBackend;
let client: Client;
const workers: Worker[] = [];
const releases: Array<() => void> = [];
const limits: string[] = [];

const add = defineTask({ name: 'tasks.add', params: ['x', 'y'], rateLimit: '100/s' }, (x: number, y: number) => x + y);
const hold = defineTask({ name: 'tasks.hold', params: ['tag'] }, (_tag: string, ctx: TaskContext) => new Promise<string>((resolve) => releases.push(() => resolve('done'))).finally(() => void ctx));
// Waits for its signal (up to 5 s): a soft time limit aborts it with SoftTimeLimitExceeded.
const limited = defineTask({ name: 'tasks.limited', params: [], timeLimit: 50 }, async (ctx: TaskContext) => {
  const reason = await new Promise<unknown>((resolve) => {
    const timer = setTimeout(() => resolve('no limit'), 5000);
    ctx.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(ctx.signal.reason);
    });
  });
  limits.push(reason instanceof SoftTimeLimitExceeded ? 'soft limit' : String(reason));
});

function setup(): void {
  const name = `inspect-${crypto.randomUUID()}`;
  broker = createMemoryBroker({ name });
  backend = createMemoryBackend({ name });
  client = createClient({ broker, backend });
}

async function start(options: Partial<WorkerOptions> = {}): Promise<Worker> {
  const worker = createWorker({ broker, backend, tasks: [add, hold, limited], concurrency: 1, hostname: 'w1@test', ...options });
  workers.push(worker);
  await worker.start();
  return worker;
}

async function send(task: string, args: unknown[], options: { eta?: Date; queue?: string; id?: string } = {}): Promise<string> {
  const id = options.id ?? crypto.randomUUID();
  await broker.publish({ queue: options.queue ?? 'celery' }, encodeTaskMessage({ task, id, args, eta: options.eta ?? null }, { serializer: json }));
  return id;
}

afterEach(async () => {
  for (const release of releases.splice(0)) release();
  for (const worker of workers.splice(0)) await worker.stop({ force: true });
  await client.close();
  limits.length = 0;
});

describe('inspect (memory broker)', () => {
  it('ping, registered, active, reserved, scheduled, query_task as Celery shapes them', async () => {
    setup();
    await start();
    const inspect = client.control.inspect({ timeout: 1, limit: 1 });
    expect(await inspect.ping()).toEqual({ 'w1@test': { ok: 'pong' } });
    expect(await inspect.registered()).toEqual({ 'w1@test': ['tasks.add [rate_limit=100/s]', 'tasks.hold', 'tasks.limited'] });

    const running = await send('tasks.hold', ['a']);
    const waiting = await send('tasks.hold', ['b']);
    const eta = new Date(Date.now() + 60_000);
    const later = await send('tasks.add', [1, 2], { eta });
    await until(() => releases.length === 1);
    await waitFor(async () => ((await inspect.reserved())['w1@test'] ?? []).length === 1);

    const active = (await inspect.active())['w1@test']!;
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({
      id: running,
      name: 'tasks.hold',
      type: 'tasks.hold',
      args: ['a'],
      kwargs: {},
      hostname: 'w1@test',
      acknowledged: true,
      delivery_info: { exchange: '', routing_key: 'celery', priority: 0, redelivered: false },
      worker_pid: process.pid,
    });
    expect(active[0]!.time_start).toBeGreaterThan(Date.now() / 1000 - 60);
    const reserved = (await inspect.reserved())['w1@test']!;
    expect(reserved.map((r) => [r.id, r.time_start, r.acknowledged, r.worker_pid])).toEqual([[waiting, null, false, null]]);
    const scheduled = (await inspect.scheduled())['w1@test']!;
    expect(scheduled).toEqual([{ eta: eta.toISOString().replace('Z', '000+00:00'), priority: 6, request: expect.objectContaining({ id: later, name: 'tasks.add', args: [1, 2] }) }]);
    const query = (await inspect.queryTask([running, waiting, 'unknown']))['w1@test']!;
    expect(Object.keys(query).sort()).toEqual([running, waiting].sort());
    expect(query[running]![0]).toBe('active');
    expect(query[waiting]![0]).toBe('reserved');
  });

  it('stats has Celery keys; revoked, active_queues, conf and report answer', async () => {
    setup();
    await start({ prefetchMultiplier: 3 });
    const done = await client.send(add, [2, 3]);
    expect(await done.get({ timeout: 5 })).toBe(5);
    const inspect = client.control.inspect({ timeout: 1, limit: 1, destination: ['w1@test'] });
    const stats = (await inspect.stats())['w1@test']!;
    expect(Object.keys(stats).sort()).toEqual(['broker', 'clock', 'pid', 'pool', 'prefetch_count', 'rusage', 'total', 'uptime']);
    expect(stats.total).toEqual({ 'tasks.add': 1 });
    expect(stats.pid).toBe(process.pid);
    expect(stats.pool['max-concurrency']).toBe(1);
    expect(stats.prefetch_count).toBe(3);
    expect(stats.broker.transport).toBe('memory');
    expect(typeof (stats.rusage as Record<string, number>)['maxrss']).toBe('number');

    await client.revoke('r-1');
    await waitFor(async () => ((await inspect.revoked())['w1@test'] ?? []).includes('r-1'));
    const queues = (await inspect.activeQueues())['w1@test']!;
    expect(queues.map((q) => q['name'])).toEqual(['celery']);
    expect(queues[0]).toMatchObject({ routing_key: 'celery', durable: true, exclusive: false, exchange: { name: 'celery', type: 'direct' } });
    expect((await inspect.conf())['w1@test']).toMatchObject({ worker_concurrency: 1, worker_prefetch_multiplier: 3 });
    expect((await inspect.conf({ withDefaults: true }))['w1@test']).toMatchObject({ task_acks_late: false, task_default_queue: 'celery' });
    expect((await inspect.report())['w1@test']!.ok).toMatch(/^software -> celerity:\S+ node:\S+\nplatform -> system:/);
  });

  it('answers only workers in the destination; an unknown command is an error reply', async () => {
    setup();
    await start();
    await start({ hostname: 'w2@test' });
    expect(Object.keys(await client.control.inspect({ timeout: 0.3 }).ping()).sort()).toEqual(['w1@test', 'w2@test']);
    expect(Object.keys(await client.control.inspect({ timeout: 0.3, destination: ['w2@test'] }).ping())).toEqual(['w2@test']);
    expect(Object.keys(await client.control.inspect({ timeout: 0.3, pattern: 'w2@*' }).ping())).toEqual(['w2@test']);
    expect(Object.keys(await client.control.inspect({ timeout: 0.3, pattern: '^w1@', matcher: 'pcre' }).ping())).toEqual(['w1@test']);
    expect(await client.control.call('no_such', {}, { timeout: 0.3, destination: ['w1@test'] })).toEqual([{ 'w1@test': { error: 'No such control command: no_such' } }]);
  });
});

describe('control (memory broker)', () => {
  it('rate_limit and time_limit change the worker; bad input and unknown tasks are error replies', async () => {
    setup();
    const worker = await start();
    const opts = { timeout: 1, limit: 1 };
    expect(await client.control.rateLimit('tasks.add', '5/m', opts)).toEqual([{ 'w1@test': { ok: 'new rate limit set successfully' } }]);
    expect((await client.control.inspect(opts).registered())['w1@test']).toContain('tasks.add [rate_limit=5/m]');
    expect(await client.control.rateLimit('tasks.add', null, opts)).toEqual([{ 'w1@test': { ok: 'rate limit disabled successfully' } }]);
    expect(await client.control.rateLimit('tasks.nope', '1/s', opts)).toEqual([{ 'w1@test': { error: 'unknown task' } }]);
    expect((await client.control.rateLimit('tasks.add', 'fast', opts))[0]!['w1@test']!.error).toMatch(/^Invalid rate limit string: /);
    void worker;
    expect(await client.control.timeLimit('tasks.limited', 0.05, 10, opts)).toEqual([{ 'w1@test': { ok: 'time limits set successfully' } }]);
    expect(await client.control.timeLimit('tasks.nope', 3, 7, opts)).toEqual([{ 'w1@test': { error: 'unknown task' } }]);
    await send('tasks.limited', []);
    await waitFor(() => limits.length === 1);
    expect(limits).toEqual(['soft limit']);
    // The task definition itself is untouched (other workers in the process may share it).
    expect(limited.options.softTimeLimit).toBeUndefined();
  });

  it('pool_grow / pool_shrink resize the slots; autoscale without autoscale is an error', async () => {
    setup();
    await start();
    const inspect = client.control.inspect({ timeout: 1, limit: 1 });
    expect(await client.control.poolGrow(2, { timeout: 1, limit: 1 })).toEqual([{ 'w1@test': { ok: 'pool will grow' } }]);
    expect((await inspect.stats())['w1@test']!.pool['max-concurrency']).toBe(3);
    // The prefetch window follows: concurrency × the multiplier (4), as Celery's.
    expect((await inspect.stats())['w1@test']!.prefetch_count).toBe(12);
    await send('tasks.hold', ['a']);
    await send('tasks.hold', ['b']);
    await send('tasks.hold', ['c']);
    await until(() => releases.length === 3);
    expect(await client.control.poolShrink(1, { timeout: 1, limit: 1 })).toEqual([{ 'w1@test': { ok: 'pool will shrink' } }]);
    expect((await inspect.stats())['w1@test']!.pool['max-concurrency']).toBe(2);
    expect((await inspect.stats())['w1@test']!.prefetch_count).toBe(8);
    expect(await client.control.autoscale(4, 1, { timeout: 1, limit: 1 })).toEqual([{ 'w1@test': { error: "ValueError('Autoscale not enabled')" } }]);
  });

  it('add_consumer / cancel_consumer start and stop consuming a queue at run time', async () => {
    setup();
    const worker = await start();
    const opts = { timeout: 1, limit: 1 };
    const early = await send('tasks.add', [1, 1], { queue: 'extra' });
    expect(await client.control.addConsumer('extra', opts)).toEqual([{ 'w1@test': { ok: 'add consumer extra' } }]);
    expect((await backend.wait(early, { timeout: 5 })).status).toBe('SUCCESS');
    await waitFor(() => worker.stats.succeeded === 1);
    expect(((await client.control.inspect(opts).activeQueues())['w1@test'] ?? []).map((q) => q['name'])).toEqual(['celery', 'extra']);
    expect(await client.control.cancelConsumer('extra', opts)).toEqual([{ 'w1@test': { ok: 'no longer consuming from extra' } }]);
    await waitFor(async () => ((await client.control.inspect(opts).activeQueues())['w1@test'] ?? []).length === 1);
    await send('tasks.add', [1, 2], { queue: 'extra' });
    await send('tasks.add', [1, 3]);
    await until(() => worker.stats.succeeded === 2);
    expect(await broker.size('extra')).toBe(1);
  });

  it('terminate revokes and stops a running task (Celery reply)', async () => {
    setup();
    await start();
    const id = await send('tasks.limited', []);
    await waitFor(async () => ((await client.control.inspect({ timeout: 1, limit: 1 }).active())['w1@test'] ?? []).length === 1);
    expect(await client.control.call('terminate', { signal: 'SIGTERM', task_id: id }, { timeout: 1, limit: 1 })).toEqual([{ 'w1@test': { ok: `terminate: ${id}` } }]);
    expect((await backend.wait(id, { timeout: 5 })).status).toBe('REVOKED');
    expect(limits).toEqual(['TaskRevokedError: terminated']);
  });

  it('shutdown stops the worker warmly without a reply', async () => {
    setup();
    const worker = await start();
    await send('tasks.hold', ['a']);
    await until(() => releases.length === 1);
    expect(await client.control.call('shutdown', {}, { timeout: 0.3 })).toEqual([]);
    let stopped = false;
    void worker.stopped.then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    releases.shift()!();
    await worker.stopped;
    expect(worker.stats.processed).toBe(1);
  });

  it('logs DuplicateNodenameWarning when another worker answers to the same name', async () => {
    setup();
    await start();
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
    const second = await start({ logger });
    await waitFor(() => warnings.length > 0);
    expect(warnings[0]).toBe(
      'DuplicateNodenameWarning: Received multiple replies from node name: w1@test.\nPlease make sure you give each node a unique nodename using\nthe celery worker `-n` option.',
    );
    void second;
  });
});
