import { describe, expect, it } from 'vitest';
import type { Logger, ResultBackend } from '@celerity/core';
import { createJsonSerializer, createMemoryBackend, createMemoryBroker, defineTask, encodeTaskMessage } from '@celerity/core';
import { createWorker } from '@celerity/worker';
import { until } from './event-loop.js';

const add = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);


describe('a result store that fails (early ack)', () => {
  it('is logged, the task still counts as processed, and the worker goes on', async () => {
    const errors: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: (message: string) => void errors.push(message) };
    const broker = createMemoryBroker({ name: `sf-${crypto.randomUUID()}` });
    const memory = createMemoryBackend({ name: `sf-${crypto.randomUUID()}` });
    let failNext = true;
    const backend: ResultBackend = Object.assign(Object.create(memory) as ResultBackend, {
      storeMany: (metas: Parameters<ResultBackend['storeMany']>[0]) => {
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('backend down'));
        }
        return memory.storeMany(metas);
      },
    });
    const worker = createWorker({ broker, backend, tasks: [add], logger, concurrency: 1 });
    await worker.start();
    const json = createJsonSerializer();
    await broker.publish({ queue: 'celery' }, encodeTaskMessage({ task: 'tasks.add', id: 'first', args: [1, 2] }, { serializer: json }));
    await until(() => worker.stats.processed === 1);
    await broker.publish({ queue: 'celery' }, encodeTaskMessage({ task: 'tasks.add', id: 'second', args: [2, 3] }, { serializer: json }));
    await until(() => worker.stats.processed === 2);
    await worker.stop();
    expect(worker.stats.processed).toBe(2);
    expect(worker.stats.succeeded).toBe(2);
    expect(errors.some((e) => e.includes('Task tasks.add[first]: storing the outcome failed: backend down'))).toBe(true);
    expect((await memory.get('second'))?.result).toBe(5);
  });
});
