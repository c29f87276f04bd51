/**
 * A retry of a task that came back through RabbitMQ's dead-lettering (native delayed delivery)
 * leaves RabbitMQ's dead-letter headers and the delay routing key behind (Celery 5.6.3 drops the
 * same headers), and keeps everything else it always copied.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, Envelope, PublishTarget, TaskContext } from '@celerity/core';
import { createJsonSerializer, createMemoryBroker, defineTask, encodeTaskMessage } from '@celerity/core';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { retryTarget, withoutDeadLetterHeaders } from '../src/retry-route.js';
import { createFakeClock } from './fake-clock.js';
import { until } from './event-loop.js';

const json = createJsonSerializer();
const DELAY_KEY = `${'0.'.repeat(25)}1.0.0.celery`;
const DEATH = {
  'x-death': [{ count: 1, reason: 'expired', queue: 'celery_delayed_2', exchange: 'celery_delayed_2', 'routing-keys': [DELAY_KEY] }],
  'x-first-death-exchange': 'celery_delayed_27',
  'x-first-death-queue': 'celery_delayed_2',
  'x-first-death-reason': 'expired',
  'x-last-death-exchange': 'celery_delayed_2',
  'x-last-death-queue': 'celery_delayed_2',
  'x-last-death-reason': 'expired',
};

describe('withoutDeadLetterHeaders', () => {
  it('drops x-death and the x-first-death-* / x-last-death-* summaries, and nothing else', () => {
    const kept = { 'x-custom': 'kept', 'x-delivery-count': 2, 'x-deathly': true, redelivered: true };
    expect(withoutDeadLetterHeaders({ ...DEATH, ...kept })).toEqual(kept);
  });
});

describe('retryTarget', () => {
  it('sends a retry where its delivery was published, the queue standing in for an empty routing key', () => {
    expect(retryTarget({ queue: 'tasks', exchange: 'celery', routingKey: 'tasks.high' })).toEqual({ queue: 'tasks', exchange: 'celery', routingKey: 'tasks.high' });
    expect(retryTarget({ queue: 'tasks', exchange: '', routingKey: '' })).toEqual({ queue: 'tasks', exchange: '', routingKey: 'tasks' });
  });

  it('sends the retry of a delivery back from the delay levels straight to its queue', () => {
    for (const exchange of ['celery_delayed_delivery', 'celery_delayed_0', 'celery_delayed_13']) {
      expect(retryTarget({ queue: 'celery', exchange, routingKey: DELAY_KEY })).toEqual({ queue: 'celery', exchange: '', routingKey: 'celery' });
    }
  });
});

describe('a retry of a task back from native delayed delivery', () => {
  let worker: Worker | undefined;
  afterEach(async () => {
    await worker?.stop({ force: true });
    worker = undefined;
  });

  it('carries its custom headers but not the dead-letter ones, to its queue by the default exchange', async () => {
    const memory = createMemoryBroker({ name: `retry-route-${crypto.randomUUID()}` });
    const sent: Array<{ target: PublishTarget; envelope: Envelope }> = [];
    const broker: Broker = {
      ...memory,
      publish(target, envelope, options) {
        sent.push({ target, envelope });
        return memory.publish(target, envelope, options);
      },
    };
    const retryOnce = defineTask({ name: 'tasks.retryOnce', params: [] }, (ctx: TaskContext) => {
      if (ctx.retries === 0) ctx.retry({ countdown: 60 });
    });
    worker = createWorker({ broker, clock: createFakeClock(), tasks: [retryOnce] });
    const id = crypto.randomUUID();
    const original = encodeTaskMessage({ task: 'tasks.retryOnce', id, args: [], headers: { ...DEATH, 'x-custom': 'kept' } }, { serializer: json });
    await memory.publish({ queue: 'celery', exchange: 'celery_delayed_1', routingKey: DELAY_KEY }, original);
    await worker.start();
    await until(() => sent.length === 1);

    const retry = sent[0] as { target: PublishTarget; envelope: Envelope };
    expect(retry.target).toEqual({ queue: 'celery', exchange: '', routingKey: 'celery' });
    expect(retry.envelope.headers).toMatchObject({ id, retries: 1, 'x-custom': 'kept' });
    expect(Object.keys(retry.envelope.headers).filter((key) => key.includes('death'))).toEqual([]);
  });
});
