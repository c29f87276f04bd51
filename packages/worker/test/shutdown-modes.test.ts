// Celery 5.5's warm / soft / cold shutdown on the memory transport (Redis and RabbitMQ: shutdown-modes.int.test.ts).
import { describe, expect, it } from 'vitest';
import type { TaskContext } from '@celerity/core';
import { createJsonSerializer, createMemoryBackend, createMemoryBroker, defineTask, encodeTaskMessage } from '@celerity/core';
import { waitFor } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import { createFakeClock } from './fake-clock.js';
import { shutdownScenarios } from './shutdown-scenarios.js';

describe('shutdown modes on memory', () => {
  shutdownScenarios(() => {
    const hub = `shutdown-${crypto.randomUUID()}`;
    return { broker: () => createMemoryBroker({ name: hub }), backend: () => createMemoryBackend({ name: hub }) };
  });
});

describe('soft shutdown timing', () => {
  it('times the soft wait on the worker clock, also when asked for during a warm stop', async () => {
    const hub = `soft-clock-${crypto.randomUUID()}`;
    const clock = createFakeClock();
    const backend = createMemoryBackend({ name: hub });
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    let aborted = false;
    const held = defineTask({ name: 'soft.held' }, async (ctx: TaskContext) => {
      ctx.signal.addEventListener('abort', () => void (aborted = true));
      await hold;
      return 'finished';
    });
    const worker = createWorker({ broker: createMemoryBroker({ name: hub }), backend, tasks: [held], clock, softShutdownTimeout: 10 });
    await worker.start();
    const producer = createMemoryBroker({ name: hub });
    await producer.publish({ queue: 'celery' }, encodeTaskMessage({ task: 'soft.held', id: 'held-1', args: [] }, { serializer: createJsonSerializer() }));
    await waitFor(() => worker.stats.active === 1);
    const warm = worker.stop();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const soft = worker.stop({ mode: 'soft' });
    clock.advance(9_999);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(aborted).toBe(false);
    clock.advance(1);
    await Promise.all([warm, soft]);
    expect(aborted).toBe(true);
    expect((await backend.get('held-1'))?.status).toBe('RETRY');
    release();
    await producer.close();
  });
});
