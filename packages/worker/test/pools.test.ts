// The threads and processes pools on the memory transport: hard limits kill and replace the child,
// soft limits reach the task, the header's limit wins, recycling, terminate, and the run's
// conversation with the worker (updateState, logger, retry) crossing into the child.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, ResultBackend, ResultMeta, TaskMessageInit } from '@celerity/core';
import { createJsonSerializer, createMemoryBackend, createMemoryBroker, encodeTaskMessage } from '@celerity/core';
import { waitFor } from '@celerity/testing';
import type { Worker, WorkerOptions } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { createClient } from '@celerity/client';
import * as tasks from './fixtures/pool-tasks.js';

const json = createJsonSerializer();
const tasksModule = fileURLToPath(new URL('./fixtures/pool-tasks.ts', import.meta.url));

let broker: Broker;
let backend: ResultBackend;
let worker: Worker | undefined;
const lines: string[] = [];
const logger = {
  debug: (m: string) => void lines.push(`debug ${m}`),
  info: (m: string) => void lines.push(`info ${m}`),
  warn: (m: string) => void lines.push(`warn ${m}`),
  error: (m: string) => void lines.push(`error ${m}`),
};

async function startWorker(options: Partial<WorkerOptions>): Promise<Worker> {
  broker = createMemoryBroker({ name: `p-${crypto.randomUUID()}` });
  backend = createMemoryBackend({ name: `p-${crypto.randomUUID()}` });
  worker = createWorker({ broker, backend, tasks, tasksModule, concurrency: 1, logger, ...options });
  await worker.start();
  return worker;
}

async function send(init: Omit<TaskMessageInit, 'id'>): Promise<string> {
  const id = crypto.randomUUID();
  await broker.publish({ queue: 'celery' }, encodeTaskMessage({ ...init, id }, { serializer: json }));
  return id;
}

const result = (id: string, timeout = 10): Promise<ResultMeta> => backend.wait(id, { timeout });

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  lines.length = 0;
});

describe.each(['threads', 'processes'] as const)('the %s pool', (pool) => {
  it('kills a CPU-bound task at its hard limit, stores TimeLimitExceeded, and serves the next task on a fresh child', async () => {
    const w = await startWorker({ pool });
    const first = await result(await send({ task: 'pool.whoami', args: [] }));
    const before = w.pool.childIds;
    const spun = await result(await send({ task: 'pool.spin', args: [5000], timeLimit: [0.3, null] }));
    expect(spun.status).toBe('FAILURE');
    expect(spun.result).toEqual({ exc_type: 'TimeLimitExceeded', exc_message: [0.3], exc_module: 'billiard.exceptions' });
    const next = await result(await send({ task: 'pool.whoami', args: [] }));
    expect(next.status).toBe('SUCCESS');
    expect(next.result).not.toBe(first.result);
    expect(w.pool.childIds).not.toEqual(before);
    expect(lines.some((l) => l.startsWith('error Hard time limit (0.3s) exceeded for pool.spin'))).toBe(true);
  });

  it('delivers the soft limit to the task, which can catch it', async () => {
    await startWorker({ pool, softTimeLimit: 0.2 });
    const meta = await result(await send({ task: 'pool.softly', args: [3000] }));
    expect(meta.result).toBe('caught soft limit');
  });

  it('lets the message header win over the worker default; the worker default applies without one', async () => {
    await startWorker({ pool, timeLimit: 0.3 });
    const byDefault = await result(await send({ task: 'pool.spin', args: [1000] }));
    expect(byDefault.result).toMatchObject({ exc_type: 'TimeLimitExceeded', exc_message: [0.3] });
    const byHeader = await result(await send({ task: 'pool.spin', args: [600], timeLimit: [5, null] }));
    expect(byHeader.status).toBe('SUCCESS');
  });

  it('carries updateState, log lines, retries and failures across; the result is what the JSON serializer makes of it (a Date in Celery format)', async () => {
    await startWorker({ pool });
    const id = await send({ task: 'pool.chatty', args: [7] });
    const states: string[] = [];
    const meta = await backend.wait(id, { timeout: 10, onState: (m) => states.push(m.status) });
    expect(meta.result).toEqual({ n: 7, when: '1970-01-01T00:00:00.000000+00:00', big: [1, 2, 3] });
    expect(lines).toContain(`info chatty ${id} says hello`);
    const retried = await result(await send({ task: 'pool.retryOnce', args: [] }));
    expect(retried.result).toBe('retries=1');
    const failed = await result(await send({ task: 'pool.boom', args: ['bad input'] }));
    expect(failed.result).toEqual({ exc_type: 'TypeError', exc_message: ['bad input'], exc_module: 'builtins' });
    expect(failed.traceback).toContain('bad input');
  });

  it('replaces a child after maxTasksPerChild tasks', async () => {
    await startWorker({ pool, maxTasksPerChild: 2 });
    const who: unknown[] = [];
    for (let i = 0; i < 4; i++) who.push((await result(await send({ task: 'pool.whoami', args: [] }))).result);
    expect(who[0]).toBe(who[1]);
    expect(who[2]).toBe(who[3]);
    expect(who[2]).not.toBe(who[0]);
  });

  it('replaces a child whose memory passed maxMemoryPerChild', async () => {
    // Far below what any child uses: every task ends its child.
    await startWorker({ pool, maxMemoryPerChild: 1024 });
    const a = (await result(await send({ task: 'pool.hog', args: [64] }))).result;
    const b = (await result(await send({ task: 'pool.hog', args: [64] }))).result;
    expect(a).not.toBe(b);
    expect(lines.some((l) => /Pool child \d+ replaced: its memory reached \d+ KiB/.test(l))).toBe(true);
  });

  it('terminate() kills the child running a task and starts another', async () => {
    const w = await startWorker({ pool });
    const id = await send({ task: 'pool.nap', args: [5000] });
    await waitFor(() => lines.some((l) => l.includes(`Received task: pool.nap[${id}]`)) && w.stats.active === 1, { timeout: 5000 });
    // The body may not have reached its child yet: ask until it has.
    await waitFor(() => w.pool.terminate(id, 'SIGTERM'), { timeout: 5000 });
    const meta = await result(id);
    expect(meta.result).toEqual({ exc_type: 'Terminated', exc_message: ['SIGTERM'], exc_module: 'billiard.exceptions' });
    expect(w.pool.terminate('no-such-task')).toBe(false);
    expect((await result(await send({ task: 'pool.add', args: [1, 2] }))).result).toBe(3);
  });

  it('a revoke with terminate kills the child running a CPU-bound task: REVOKED terminated is stored and the next task runs', async () => {
    const w = await startWorker({ pool });
    const client = createClient({ broker, backend });
    const before = (await result(await send({ task: 'pool.whoami', args: [] }))).result;
    const id = await send({ task: 'pool.spin', args: [20_000] });
    await waitFor(() => w.stats.active === 1, { timeout: 5000 });
    await client.revoke(id, { terminate: true, signal: 'KILL' });
    const meta = await result(id);
    expect(meta.status).toBe('REVOKED');
    expect(meta.result).toEqual({ exc_type: 'TaskRevokedError', exc_message: ['terminated'], exc_module: 'celery.exceptions' });
    const after = await result(await send({ task: 'pool.whoami', args: [] }));
    expect(after.status).toBe('SUCCESS');
    expect(after.result).not.toBe(before);
    expect(lines.some((l) => l.includes(`Terminating pool.spin[${id}] (SIGKILL)`))).toBe(true);
  });

  it('stores WorkerLostError for a child that died under its task, or requeues it with rejectOnWorkerLost', async () => {
    await startWorker({ pool, acksLate: true });
    const lost = await result(await send({ task: 'pool.die', args: [] }));
    expect(lost.result).toMatchObject({ exc_type: 'WorkerLostError', exc_module: 'billiard.exceptions' });
    expect(String((lost.result as { exc_message: unknown[] }).exc_message[0])).toMatch(/^Worker exited prematurely: exitcode 3 Job: \d+\.$/);
    await worker?.stop();

    // Requeued: it comes back, and the worker dead-letters it on its second delivery (maxDeliveries 1).
    await startWorker({ pool, acksLate: true, rejectOnWorkerLost: true, maxDeliveries: 1 });
    const requeued = await result(await send({ task: 'pool.die', args: [] }));
    expect(requeued.result).toMatchObject({ exc_type: 'MaxDeliveriesExceeded' });
    expect(lines.some((l) => l.includes('its worker was lost') && l.includes('goes back to the queue'))).toBe(true);
  });
});
