// The app-level configuration in createWorker / createClient, task routes on memory, and hooks
// (Celery's signals) from the worker and the client.
import { describe, expect, it } from 'vitest';
import type { Broker, ConsumeOptions, Hooks, LogFields, Logger, TaskContext } from '@celerity/core';
import { ConfigurationError, createMemoryBackend, createMemoryBroker, defineTask } from '@celerity/core';
import { createClient } from '@celerity/client';
import { waitFor } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import { routesScenarios } from './routes-scenarios.js';

const add = defineTask({ name: 'hooks.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);
const fail = defineTask({ name: 'hooks.fail' }, () => {
  throw new TypeError('bad');
});
const tries = new Map<string, number>();
const retrying = defineTask({ name: 'hooks.retrying', params: ['key'] }, (key: string, ctx: TaskContext) => {
  const n = (tries.get(key) ?? 0) + 1;
  tries.set(key, n);
  if (n === 1) ctx.retry({ countdown: 0, exc: new Error('again') });
  return n;
});
const tasks = [add, fail, retrying];

/** A memory broker that records the prefetch each consume asks for. */
function recordingBroker(hub: string, prefetches: Array<number | undefined>): Broker {
  const broker = createMemoryBroker({ name: hub });
  const consume = broker.consume.bind(broker);
  broker.consume = (queues, onDelivery, options?: ConsumeOptions) => {
    prefetches.push(options?.prefetch);
    return consume(queues, onDelivery, options);
  };
  return broker;
}

describe('configuration in createWorker', () => {
  it('maps Celery settings to worker options, under explicit options', async () => {
    const prefetches: Array<number | undefined> = [];
    const hub = `cfg-${crypto.randomUUID()}`;
    const worker = createWorker({ broker: recordingBroker(hub, prefetches), tasks, config: { workerConcurrency: 3, workerPrefetchMultiplier: 2, taskDefaultQueue: 'jobs' } });
    expect(worker.concurrency).toBe(3);
    expect(worker.queues).toEqual(['jobs']);
    await worker.start();
    await worker.stop();
    const explicit = createWorker({ broker: recordingBroker(hub, prefetches), tasks, concurrency: 5, queues: ['a'], config: { workerConcurrency: 3, workerPrefetchMultiplier: 2, taskDefaultQueue: 'jobs' } });
    expect(explicit.concurrency).toBe(5);
    expect(explicit.queues).toEqual(['a']);
    await explicit.start();
    await explicit.stop();
    // worker_prefetch_multiplier = 0: no prefetch limit (the broker's 0).
    const unlimited = createWorker({ broker: recordingBroker(hub, prefetches), tasks, config: { workerPrefetchMultiplier: 0 } });
    await unlimited.start();
    await unlimited.stop();
    expect(prefetches).toEqual([6, 10, 0]);
  });

  it('refuses a bad setting or option with a ConfigurationError naming it', () => {
    expect(() => createWorker({ tasks, config: { workerPrefetchMultiplier: -1 } })).toThrow(/workerPrefetchMultiplier/);
    expect(() => createWorker({ tasks, prefetchMultiplier: 1.5 })).toThrow(ConfigurationError);
    expect(() => createWorker({ tasks, softShutdownTimeout: -1 })).toThrow(/softShutdownTimeout/);
    expect(() => createWorker({ tasks, config: { taskAcksLate: true, workerconcurrency: 2 } as never })).toThrow(/did you mean workerConcurrency/);
    expect(() => createClient({ config: { taskRoutes: { 'a.*': 7 } as never } })).toThrow(/taskRoutes/);
  });
});

describe('task routes on memory', () => {
  routesScenarios(() => {
    const hub = `routes-${crypto.randomUUID()}`;
    return { broker: () => createMemoryBroker({ name: hub }), backend: () => createMemoryBackend({ name: hub }) };
  });
});

function recordingHooks(events: string[], extra: Hooks = {}): Hooks {
  return {
    beforeTaskPublish: (e) => void events.push(`before ${e.sender} ${e.task} ${e.queue} retries=${e.retries}`),
    afterTaskPublish: (e) => void events.push(`after ${e.sender} ${e.task}`),
    taskPrerun: (e) => void events.push(`prerun ${e.task} ${JSON.stringify(e.args)}`),
    taskPostrun: (e) => void events.push(`postrun ${e.task} ${e.state}`),
    taskSuccess: (e) => void events.push(`success ${e.task} ${JSON.stringify(e.result)}`),
    taskFailure: (e) => void events.push(`failure ${e.task} ${e.exception.exc_type} ${(e.error as Error).message}`),
    taskRetry: (e) => void events.push(`retry ${e.task} ${e.reason?.exc_message[0] as string}`),
    workerReady: (e) => void events.push(`ready ${e.hostname}`),
    workerShuttingDown: (e) => void events.push(`shutting down ${e.mode}`),
    workerShutdown: (e) => void events.push(`shutdown ${e.hostname}`),
    ...extra,
  };
}

describe('hooks', () => {
  it('are called by the worker and the client at the points of Celery’s signals', async () => {
    const hub = `hooks-${crypto.randomUUID()}`;
    const backend = createMemoryBackend({ name: hub });
    const events: string[] = [];
    const hooks = recordingHooks(events);
    const worker = createWorker({ broker: createMemoryBroker({ name: hub }), backend, tasks, hostname: 'w@test', config: { hooks } });
    const client = createClient({ broker: createMemoryBroker({ name: hub }), backend, hooks });
    await worker.start();
    expect(events).toEqual(['ready w@test']);

    events.length = 0;
    expect(await (await client.send('hooks.add', [1, 2])).get({ timeout: 5 })).toBe(3);
    await waitFor(() => events.length === 5);
    expect(events).toEqual(['before client hooks.add celery retries=0', 'after client hooks.add', 'prerun hooks.add [1,2]', 'success hooks.add 3', 'postrun hooks.add SUCCESS']);

    events.length = 0;
    await expect((await client.send('hooks.fail', [])).get({ timeout: 5 })).rejects.toThrow();
    await waitFor(() => events.includes('postrun hooks.fail FAILURE'));
    expect(events.slice(2)).toEqual(['prerun hooks.fail []', 'failure hooks.fail TypeError bad', 'postrun hooks.fail FAILURE']);

    events.length = 0;
    const key = crypto.randomUUID();
    expect(await (await client.send('hooks.retrying', [key])).get({ timeout: 5 })).toBe(2);
    await waitFor(() => events.includes('postrun hooks.retrying SUCCESS'));
    expect(events.slice(2)).toEqual([
      `prerun hooks.retrying ["${key}"]`,
      // The worker publishes the retry: its publish hooks see it, one retry on.
      'before worker hooks.retrying celery retries=1',
      'after worker hooks.retrying',
      'retry hooks.retrying again',
      'postrun hooks.retrying RETRY',
      `prerun hooks.retrying ["${key}"]`,
      'success hooks.retrying 2',
      'postrun hooks.retrying SUCCESS',
    ]);

    events.length = 0;
    await worker.stop({ mode: 'soft' });
    expect(events).toEqual(['shutting down soft', 'shutdown w@test']);
    await client.close();
  });

  it('log an error a hook throws or rejects with, and the task and the send go on', async () => {
    const hub = `hooks-${crypto.randomUUID()}`;
    const backend = createMemoryBackend({ name: hub });
    const errors: string[] = [];
    const none = (): void => {};
    const logger: Logger = { debug: none, info: none, warn: none, error: (message: string, _fields?: LogFields) => void errors.push(message) };
    const hooks: Hooks = {
      beforeTaskPublish: () => {
        throw new Error('publish hook');
      },
      taskPrerun: () => Promise.reject(new Error('prerun hook')),
      taskSuccess: () => {
        throw new Error('success hook');
      },
    };
    const worker = createWorker({ broker: createMemoryBroker({ name: hub }), backend, tasks, hooks, logger });
    const client = createClient({ broker: createMemoryBroker({ name: hub }), backend, hooks, logger });
    await worker.start();
    try {
      expect(await (await client.send('hooks.add', [2, 2])).get({ timeout: 5 })).toBe(4);
      await waitFor(() => errors.length === 3);
      expect(errors).toEqual(['hook beforeTaskPublish failed: publish hook', 'hook taskPrerun failed: prerun hook', 'hook taskSuccess failed: success hook']);
    } finally {
      await worker.stop();
      await client.close();
    }
  });
});
