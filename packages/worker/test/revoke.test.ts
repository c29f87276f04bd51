/** Revoke on the memory broker: durable, before ETA, waiting for a slot, terminate; ping; no sleeps. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, ResultBackend, TaskContext, TaskRevokedEvent } from '@celerity/core';
import { chord, createJsonSerializer, createMemoryBackend, createMemoryBroker, defineTask, encodeTaskMessage, signature } from '@celerity/core';
import type { Client } from '@celerity/client';
import { createClient } from '@celerity/client';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { until } from './event-loop.js';
import { createFakeClock } from './fake-clock.js';

const json = createJsonSerializer();
let broker: Broker;
let backend: ResultBackend;
let client: Client;
let worker: Worker | undefined;
const ran = new Set<string>();
const aborted: unknown[] = [];
let release: (() => void) | undefined;

const collect = defineTask({ name: 'tasks.collect', params: ['values'] }, (values: unknown[]) => values);
const mark = defineTask({ name: 'tasks.mark', params: [] }, (ctx: TaskContext) => void ran.add(ctx.id));
const hold = defineTask({ name: 'tasks.hold', params: [] }, async (ctx: TaskContext) => {
  ran.add(ctx.id);
  await new Promise<void>((resolve) => {
    release = resolve;
    ctx.signal.addEventListener('abort', () => {
      aborted.push(ctx.signal.reason);
      // The body decides when it ends: the slot stays taken until then.
    });
  });
  return 'finished';
});

function setup(): void {
  const name = `revoke-${crypto.randomUUID()}`;
  broker = createMemoryBroker({ name });
  backend = createMemoryBackend({ name });
  client = createClient({ broker, backend });
}

const revokedEvents: TaskRevokedEvent[] = [];

async function start(concurrency = 1): Promise<Worker> {
  worker = createWorker({ broker, backend, tasks: [mark, hold, collect], concurrency, hostname: 'w1@test', hooks: { taskRevoked: (event) => void revokedEvents.push(event) } });
  await worker.start();
  return worker;
}

async function send(task: string, countdown?: number): Promise<string> {
  const id = crypto.randomUUID();
  const eta = countdown === undefined ? null : new Date(Date.now() + countdown * 1000);
  await broker.publish({ queue: 'celery' }, encodeTaskMessage({ task, id, args: [], eta }, { serializer: json }));
  return id;
}

afterEach(async () => {
  release?.();
  await worker?.stop({ force: true });
  worker = undefined;
  await client.close();
  ran.clear();
  aborted.length = 0;
  revokedEvents.length = 0;
});

describe('revoke (memory broker)', () => {
  it('skips a task revoked while no worker ran, and stores REVOKED as Celery does', async () => {
    setup();
    const id = await send('tasks.mark');
    await client.revoke(id);
    await start();
    const meta = await backend.wait(id, { timeout: 5 });
    expect(meta.status).toBe('REVOKED');
    expect(meta.result).toEqual({ exc_type: 'TaskRevokedError', exc_message: ['revoked'], exc_module: 'celery.exceptions' });
    expect(ran.has(id)).toBe(false);
    expect(worker!.revoked.has(id)).toBe(true);
    expect(await broker.size('celery')).toBe(0);
    expect(revokedEvents).toEqual([{ id, task: 'tasks.mark', hostname: 'w1@test', terminated: false, signal: null, expired: false }]);
  });

  it('drops a task held for its ETA at once', async () => {
    setup();
    await start();
    const id = await send('tasks.mark', 3600);
    await until(() => worker!.stats.scheduled === 1);
    await client.result(id).revoke();
    const meta = await backend.wait(id, { timeout: 5 });
    expect(meta.status).toBe('REVOKED');
    expect(worker!.stats.scheduled).toBe(0);
    expect(ran.has(id)).toBe(false);
  });

  it('skips a task waiting for a slot when its turn comes', async () => {
    setup();
    await start(1);
    const first = await send('tasks.hold');
    await until(() => ran.has(first));
    const second = await send('tasks.mark');
    await until(() => worker!.stats.waiting === 1);
    await client.revoke(second);
    await until(() => worker!.revoked.has(second));
    release?.();
    expect((await backend.wait(second, { timeout: 5 })).status).toBe('REVOKED');
    expect(ran.has(second)).toBe(false);
    expect((await backend.wait(first, { timeout: 5 })).status).toBe('SUCCESS');
  });

  it('terminate aborts ctx.signal, keeps the slot until the body settles, stores REVOKED terminated', async () => {
    setup();
    await start(1);
    const id = await send('tasks.hold');
    await until(() => ran.has(id));
    const next = await send('tasks.mark');
    await client.revoke(id, { terminate: true, signal: 'SIGKILL' });
    await until(() => aborted.length === 1);
    expect(aborted[0]).toMatchObject({ excType: 'TaskRevokedError', excArgs: ['terminated'] });
    // The body has not settled: the next task still waits for the only slot.
    expect(ran.has(next)).toBe(false);
    expect(worker!.stats.active).toBe(1);
    release?.();
    const meta = await backend.wait(id, { timeout: 5 });
    expect(meta.status).toBe('REVOKED');
    expect(meta.result).toEqual({ exc_type: 'TaskRevokedError', exc_message: ['terminated'], exc_module: 'celery.exceptions' });
    expect((await backend.wait(next, { timeout: 5 })).status).toBe('SUCCESS');
    expect(revokedEvents).toEqual([{ id, task: 'tasks.hold', hostname: 'w1@test', terminated: true, signal: 'SIGKILL', expired: false }]);
  });

  it('answers ping with Celery reply shape, and only when addressed', async () => {
    setup();
    await start();
    expect(await client.control.ping({ timeout: 0.5, limit: 1 })).toEqual([{ 'w1@test': { ok: 'pong' } }]);
    expect(await client.control.ping({ timeout: 0.2, destination: ['other@test'] })).toEqual([]);
  });

  it('control: false hears no revoke', async () => {
    setup();
    worker = createWorker({ broker, backend, tasks: [mark], control: false });
    await worker.start();
    expect(await client.control.ping({ timeout: 0.2 })).toEqual([]);
  });

  it('a revoked chord part fails the chord, as in Celery', async () => {
    setup();
    await start(2);
    const revokedPart = crypto.randomUUID();
    await client.revoke(revokedPart);
    await until(() => worker!.revoked.has(revokedPart));
    const applied = await client.apply(chord([signature('tasks.mark'), { ...signature('tasks.mark'), options: { task_id: revokedPart } }], signature('tasks.collect')));
    const part = await backend.wait(revokedPart, { timeout: 5 });
    expect(part.status).toBe('REVOKED');
    const body = await backend.wait(applied.id, { timeout: 5 });
    expect(body.status).toBe('FAILURE');
    expect(body.result).toMatchObject({ exc_type: 'ChordError' });
    expect(String((body.result as { exc_message: unknown[] }).exc_message[0])).toContain(revokedPart);
  });

  it('revokedExpires: the worker forgets a revoke after that many seconds, and stores it that long', async () => {
    setup();
    const clock = createFakeClock(Date.now());
    worker = createWorker({ broker, backend, tasks: [mark], clock, revokedExpires: 10 });
    await worker.start();
    const id = crypto.randomUUID();
    // Sent as Python sends it (nothing written to the store by the sender).
    await client.control.call('revoke', { task_id: id, terminate: false, signal: 'SIGTERM' }, { timeout: 0.2 });
    expect(worker.revoked.has(id)).toBe(true);
    expect(await broker.revocations!.list(clock.now())).toEqual([{ id, expiresAt: clock.now() + 10_000 }]);
    clock.advance(10_000);
    expect(worker.revoked.has(id)).toBe(false);
    expect(await broker.revocations!.list(clock.now())).toEqual([]);
  });
});
