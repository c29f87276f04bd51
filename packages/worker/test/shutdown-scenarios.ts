/**
 * Celery 5.5's shutdown modes, run the same way on every broker (memory in shutdown-modes.test.ts,
 * Redis and RabbitMQ in shutdown-modes.int.test.ts): warm waits, soft waits up to
 * `softShutdownTimeout` then requeues what still runs, cold requeues at once; a cancelled body's
 * later outcome is not stored, and another worker runs the requeued message.
 */
import { expect, it } from 'vitest';
import type { Broker, ResultBackend, TaskContext } from '@celerity/core';
import { defineTask } from '@celerity/core';
import { createClient } from '@celerity/client';
import { waitFor } from '@celerity/testing';
import type { WorkerOptions } from '@celerity/worker';
import { createWorker } from '@celerity/worker';

/** Runs of each key, and whether the run's signal aborted. */
const runs = new Map<string, number>();
const aborted = new Set<string>();
const started = new Set<string>();

/** Its first run waits for its signal to abort (a shutdown's cancel), then returns 'late'; later runs return 'done'. */
const stuck = defineTask({ name: 'shutdown.stuck', params: ['key'] }, async (key: string, ctx: TaskContext) => {
  const n = (runs.get(key) ?? 0) + 1;
  runs.set(key, n);
  started.add(key);
  if (n > 1) return 'done';
  await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  aborted.add(key);
  return 'late';
});

const quick = defineTask({ name: 'shutdown.quick', params: ['key', 'ms'] }, async (key: string, ms: number) => {
  started.add(key);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return `quick ${key}`;
});

const tasks = [stuck, quick];

/** What a scenario needs from a transport: fresh brokers on one queue namespace, and a backend. */
export interface ShutdownTransport {
  broker(): Broker;
  backend(): ResultBackend;
}

async function status(backend: ResultBackend, id: string): Promise<{ status: string | undefined; result: unknown }> {
  const meta = await backend.get(id);
  return { status: meta?.status, result: meta?.result };
}

/** Registers the scenarios as tests of the current `describe`. */
export function shutdownScenarios(transport: () => ShutdownTransport): void {
  const setup = async (queue: string, options: Partial<WorkerOptions>) => {
    const t = transport();
    const backend = t.backend();
    const producer = t.broker();
    const client = createClient({ broker: producer, backend, defaultQueue: queue });
    const brokers: Broker[] = [];
    const start = async (extra: Partial<WorkerOptions> = {}) => {
      const broker = t.broker();
      brokers.push(broker);
      const worker = createWorker({ broker, backend, tasks, queues: [queue], concurrency: 2, ...options, ...extra });
      await worker.start();
      return worker;
    };
    const close = async () => {
      for (const b of brokers) await b.close().catch(() => {});
      await client.close();
      await producer.close();
      await backend.close();
    };
    return { client, backend, start, close };
  };

  for (const acksLate of [false, true]) {
    const label = acksLate ? 'acks late' : 'acked early';

    it(`soft (${label}): a task that ends in time is stored; one still running at the timeout is stored RETRY, requeued and run by the next worker`, async () => {
      const key = crypto.randomUUID();
      const { client, backend, start, close } = await setup(`soft-${key}`, { acksLate, softShutdownTimeout: 0.5 });
      try {
        const worker = await start();
        const q = await client.send('shutdown.quick', [`${key}-q`, 100]);
        const s = await client.send('shutdown.stuck', [key]);
        await waitFor(() => started.has(`${key}-q`) && started.has(key), { message: 'both tasks started' });
        await worker.stop({ mode: 'soft' });
        expect(await status(backend, q.id)).toEqual({ status: 'SUCCESS', result: `quick ${key}-q` });
        expect(aborted.has(key)).toBe(true);
        expect(await status(backend, s.id)).toEqual({ status: 'RETRY', result: { exc_type: 'Retry', exc_message: ['cancelled by Celery'], exc_module: 'celery.exceptions' } });
        // The cancelled body returned 'late' after its signal aborted: that is not stored.
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect((await status(backend, s.id)).status).toBe('RETRY');
        const next = await start();
        expect(await s.get({ timeout: 10 })).toBe('done');
        expect(runs.get(key)).toBe(2);
        await next.stop();
      } finally {
        await close();
      }
    });

    it(`cold (${label}): running tasks are cancelled at once, stored RETRY and requeued`, async () => {
      const key = crypto.randomUUID();
      const { client, backend, start, close } = await setup(`cold-${key}`, { acksLate, softShutdownTimeout: 60 });
      try {
        const worker = await start();
        const a = await client.send('shutdown.stuck', [`${key}-a`]);
        const b = await client.send('shutdown.stuck', [`${key}-b`]);
        await waitFor(() => started.has(`${key}-a`) && started.has(`${key}-b`), { message: 'both tasks started' });
        // softShutdownTimeout does not hold a cold shutdown back.
        await worker.stop({ mode: 'cold' });
        expect((await status(backend, a.id)).status).toBe('RETRY');
        expect((await status(backend, b.id)).status).toBe('RETRY');
        const next = await start();
        expect(await a.get({ timeout: 10 })).toBe('done');
        expect(await b.get({ timeout: 10 })).toBe('done');
        await next.stop();
      } finally {
        await close();
      }
    });
  }

  it('warm: waits for running tasks and stores their results; force: true is cold', async () => {
    const key = crypto.randomUUID();
    const { client, backend, start, close } = await setup(`warm-${key}`, { softShutdownTimeout: 0.01 });
    try {
      const worker = await start();
      const q = await client.send('shutdown.quick', [`${key}-q`, 200]);
      await waitFor(() => started.has(`${key}-q`), { message: 'the task started' });
      await worker.stop();
      expect(await status(backend, q.id)).toEqual({ status: 'SUCCESS', result: `quick ${key}-q` });

      const forced = await start();
      const s = await client.send('shutdown.stuck', [key]);
      await waitFor(() => started.has(key), { message: 'the stuck task started' });
      await forced.stop({ force: true });
      expect((await status(backend, s.id)).status).toBe('RETRY');
      const next = await start();
      expect(await s.get({ timeout: 10 })).toBe('done');
      await next.stop();
    } finally {
      await close();
    }
  });

  it('a cold stop during a warm one cuts it short and cancels what runs', async () => {
    const key = crypto.randomUUID();
    const { client, backend, start, close } = await setup(`escalate-${key}`, {});
    try {
      const worker = await start();
      const s = await client.send('shutdown.stuck', [key]);
      await waitFor(() => started.has(key), { message: 'the task started' });
      const warm = worker.stop();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(aborted.has(key)).toBe(false);
      const cold = worker.stop({ mode: 'cold' });
      await Promise.all([warm, cold]);
      expect(aborted.has(key)).toBe(true);
      expect((await status(backend, s.id)).status).toBe('RETRY');
      const next = await start();
      expect(await s.get({ timeout: 10 })).toBe('done');
      await next.stop();
    } finally {
      await close();
    }
  });
}
