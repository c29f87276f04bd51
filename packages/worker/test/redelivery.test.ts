// Bounded redelivery on the memory broker: a message whose deliveries keep ending without an outcome
// runs at most maxDeliveries times, then sits in the dead-letter queue with FAILURE stored; what a
// worker gives back unstarted is not counted; maxDeliveries 0 counts nothing.
import { describe, expect, it } from 'vitest';
import type { Broker, Delivery, Logger, ResultBackend, ResultMeta } from '@celerity/core';
import { ConfigurationError, TaskError, createJsonSerializer, createMemoryBackend, createMemoryBroker, defineTask, encodeTaskMessage } from '@celerity/core';
import { createClient } from '@celerity/client';
import { createWorker } from '@celerity/worker';
import { settle, until } from './event-loop.js';

const json = createJsonSerializer();
const runs = new Map<string, number>();
const count = (key: string): number => {
  const n = (runs.get(key) ?? 0) + 1;
  runs.set(key, n);
  return n;
};
const counted = defineTask({ name: 'tests.counted', params: ['key'] }, (key: string) => count(key));
// Never settles: the worker running it is "killed" by a forced stop and its broker closing.
const hangs = defineTask({ name: 'tests.hangs', params: ['key'] }, (key: string) => {
  count(key);
  return new Promise<never>(() => undefined);
});
const tasks = [counted, hangs];

function collectingLogger(lines: string[]): Logger {
  const push = (message: string): void => void lines.push(message);
  return { debug() {}, info: push, warn: push, error: push };
}

function publish(broker: Broker, task: string, id: string, args: unknown[], eta: Date | null = null): Promise<void> {
  return broker.publish({ queue: 'celery' }, encodeTaskMessage({ task, id, args, eta }, { serializer: json }));
}

/** A backend that refuses to store SUCCESS (a machinery failure), and stores everything else. */
function refusingSuccess(memory: ResultBackend): ResultBackend {
  return Object.assign(Object.create(memory) as ResultBackend, {
    storeMany: (metas: readonly ResultMeta[]) => (metas.some((m) => m.status === 'SUCCESS') ? Promise.reject(new Error('backend refuses')) : memory.storeMany(metas)),
  });
}

describe('bounded redelivery', () => {
  it('dead-letters a message whose result can never be stored after maxDeliveries runs', async () => {
    const hub = `rd-${crypto.randomUUID()}`;
    const broker = createMemoryBroker({ name: hub });
    const memory = createMemoryBackend({ name: hub });
    const lines: string[] = [];
    const worker = createWorker({ broker, backend: refusingSuccess(memory), tasks, acksLate: true, maxDeliveries: 3, concurrency: 1, logger: collectingLogger(lines) });
    await worker.start();
    const key = crypto.randomUUID();
    await publish(broker, 'tests.counted', 'machinery-1', [key]);
    await until(() => worker.stats.deadLettered === 1);
    await worker.stop();

    expect(runs.get(key)).toBe(3);
    expect(await broker.size('celery')).toBe(0);
    const [entry, ...rest] = await broker.deadLetters!.list('celery');
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ id: 'machinery-1', queue: 'celery', reason: 'max-deliveries', deliveries: 3, task: 'tests.counted', error: 'backend refuses' });
    const meta = await memory.get('machinery-1');
    expect(meta?.status).toBe('FAILURE');
    expect(meta?.result).toMatchObject({ exc_type: 'MaxDeliveriesExceeded', exc_module: 'celery.exceptions' });
    expect(lines.filter((l) => l.includes('was delivered before without completing'))).toHaveLength(2);
    expect(lines.some((l) => l.includes('Task tests.counted[machinery-1] was delivered 3 times without completing (maxDeliveries 3); moved to the dead-letter queue of celery'))).toBe(true);

    const client = createClient({ broker, backend: memory });
    const error = await client.result('machinery-1').get({ timeout: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).message).toContain('MaxDeliveriesExceeded');
    await broker.close();
  });

  it('dead-letters a message whose workers keep dying while running it', async () => {
    const hub = `rd-${crypto.randomUUID()}`;
    const memory = createMemoryBackend({ name: hub });
    const key = crypto.randomUUID();
    const seed = createMemoryBroker({ name: hub });
    await publish(seed, 'tests.hangs', 'dies-1', [key]);
    for (let life = 1; life <= 2; life++) {
      const broker = createMemoryBroker({ name: hub });
      const worker = createWorker({ broker, backend: memory, tasks, acksLate: true, maxDeliveries: 2 });
      await worker.start();
      await until(() => runs.get(key) === life);
      // Killed: running tasks abandoned, the broker connection gone, the message redelivered.
      await worker.stop({ force: true });
      await broker.close();
    }
    const broker = createMemoryBroker({ name: hub });
    const worker = createWorker({ broker, backend: memory, tasks, acksLate: true, maxDeliveries: 2 });
    await worker.start();
    await until(() => worker.stats.deadLettered === 1);
    await worker.stop();
    expect(runs.get(key)).toBe(2);
    expect(await broker.deadLetters!.get('celery', 'dies-1')).toMatchObject({ deliveries: 2, error: null });
    expect((await memory.get('dies-1'))?.status).toBe('FAILURE');
    await broker.close();
    await seed.close();
  });

  it('does not count messages given back unstarted when a worker stops', async () => {
    const hub = `rd-${crypto.randomUUID()}`;
    const broker = createMemoryBroker({ name: hub });
    await publish(broker, 'tests.counted', 'eta-1', ['never'], new Date(Date.now() + 3_600_000));
    for (let life = 0; life < 3; life++) {
      const worker = createWorker({ broker, tasks, maxDeliveries: 1 });
      await worker.start();
      await until(() => worker.stats.scheduled === 1);
      await worker.stop();
    }
    const seen: Array<{ redelivered: boolean; headers: Record<string, unknown> }> = [];
    const consumer = await broker.consume(['celery'], (d) => {
      seen.push({ redelivered: d.redelivered, headers: d.envelope.headers });
      void d.ack();
    });
    await until(() => seen.length === 1);
    await consumer.cancel();
    expect(seen[0]?.redelivered).toBe(false);
    expect(seen[0]?.headers['id']).toBe('eta-1');
    expect(seen[0]?.headers).not.toHaveProperty('celerity_deliveries');
    expect(await broker.deadLetters!.count('celery')).toBe(0);
    await broker.close();
  });

  it('with maxDeliveries 0 runs a redelivered message as it comes, without a copy', async () => {
    const hub = `rd-${crypto.randomUUID()}`;
    const broker = createMemoryBroker({ name: hub });
    const key = crypto.randomUUID();
    await publish(broker, 'tests.counted', 'plain-1', [key]);
    // One delivery that ends without an ack: the message comes back redelivered.
    const taken: Delivery[] = [];
    const first = await broker.consume(['celery'], (d) => void taken.push(d));
    await until(() => taken.length === 1);
    await first.cancel();
    await taken[0]!.reject({ requeue: true });
    const lines: string[] = [];
    const worker = createWorker({ broker, tasks, maxDeliveries: 0, logger: collectingLogger(lines) });
    await worker.start();
    await until(() => worker.stats.succeeded === 1);
    await settle();
    await worker.stop();
    expect(runs.get(key)).toBe(1);
    expect(lines.some((l) => l.includes('was delivered before'))).toBe(false);
    expect(await broker.size('celery')).toBe(0);
    expect(await broker.deadLetters!.count('celery')).toBe(0);
    await broker.close();
  });

  it('refuses a maxDeliveries that is not an integer ≥ 0', () => {
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => createWorker({ tasks, maxDeliveries: bad })).toThrow(ConfigurationError);
  });
});
