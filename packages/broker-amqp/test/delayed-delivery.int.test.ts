/**
 * `publishDelayed` on the shared RabbitMQ (a fresh vhost): the message takes Celery 5.5's
 * `celery_delayed_*` route back to its queue with its body, properties and headers intact (but an
 * earlier trip's `x-death`), a delay queue declared differently by someone else makes it fail
 * clearly without breaking the broker, and delays it cannot express are refused.
 */
import { ConfigurationError } from '@celerity/core';
import type { Delivery, Envelope } from '@celerity/core';
import { waitFor } from '@celerity/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AmqpChannelError, createAmqpBroker, type AmqpBroker } from '../src/index.js';
import { createTestVhost, type TestVhost } from './vhost.js';

let vhost: TestVhost;
let broker: AmqpBroker;

beforeAll(async () => {
  vhost = await createTestVhost();
  broker = createAmqpBroker({ url: vhost.url });
});
afterAll(async () => {
  await broker?.close();
  await vhost?.dispose();
});

const envelope: Envelope = {
  body: Buffer.from('[[], {}, {}]'),
  contentType: 'application/json',
  contentEncoding: 'utf-8',
  headers: {
    id: 'delayed-1',
    task: 'tasks.add',
    eta: '2030-01-01T00:00:00+00:00',
    retries: 3,
    'x-custom': 'kept',
    'x-death': [{ count: 1, reason: 'expired', queue: 'an-earlier-trip', exchange: 'x', 'routing-keys': ['k'] }],
    'x-first-death-queue': 'an-earlier-trip',
  },
  properties: { correlationId: 'delayed-1', replyTo: 'reply-here', deliveryMode: 2 },
};

it('brings the message back to its queue through the celery_delayed_* levels, unchanged but for the dead-letter headers', { timeout: 30_000 }, async () => {
  await broker.declareQueue('tasks.high');
  const got: Delivery[] = [];
  const consumer = await broker.consume(['tasks.high'], (delivery) => void got.push(delivery), { prefetch: 5 });
  // 1.5 s is cut to 1 s: level 0 only.
  await broker.publishDelayed('tasks.high', envelope, 1500);
  await waitFor(() => got.length === 1, { timeout: 15_000, message: 'the delayed message back' });
  const delivery = got[0] as Delivery;
  await delivery.ack();
  await consumer.cancel();

  expect(delivery.exchange).toBe('celery_delayed_delivery');
  expect(delivery.routingKey).toBe(`${'0.'.repeat(27)}1.tasks.high`);
  expect(Buffer.from(delivery.envelope.body).toString()).toBe('[[], {}, {}]');
  expect(delivery.envelope.properties).toMatchObject({ correlationId: 'delayed-1', replyTo: 'reply-here', deliveryMode: 2 });
  const { 'x-death': death, 'x-first-death-queue': firstQueue, ...headers } = delivery.envelope.headers;
  expect(headers).toEqual({ id: 'delayed-1', task: 'tasks.add', eta: '2030-01-01T00:00:00+00:00', retries: 3, 'x-custom': 'kept', 'x-first-death-exchange': 'celery_delayed_27', 'x-first-death-reason': 'expired' });
  // RabbitMQ's record of this trip only (the exchange is the one it was published to): the earlier
  // trip's was left out when publishing.
  expect(firstQueue).toBe('celery_delayed_0');
  expect((death as Array<{ queue: string }>).map((entry) => entry.queue)).toEqual(['celery_delayed_0']);
});

it('fails clearly when the delay queues were declared another way, and the broker goes on working', { timeout: 30_000 }, async () => {
  const other = createAmqpBroker({ url: vhost.url, delayQueueType: 'classic' });
  try {
    await other.declareQueue('plain');
    const failure = other.publishDelayed('plain', envelope, 2000);
    await expect(failure).rejects.toBeInstanceOf(AmqpChannelError);
    await expect(failure).rejects.toMatchObject({ replyCode: 406, message: expect.stringMatching(/celery_delayed_27/) as unknown });
    await other.publish({ queue: 'plain' }, envelope);
    expect(await other.size('plain')).toBe(1);
  } finally {
    await other.close();
  }
});

it('refuses delays under a second and queue names a topic binding would misread', async () => {
  await expect(broker.publishDelayed('tasks.high', envelope, 999)).rejects.toThrow(RangeError);
  await expect(broker.publishDelayed('tasks.*', envelope, 5000)).rejects.toThrow(ConfigurationError);
});
