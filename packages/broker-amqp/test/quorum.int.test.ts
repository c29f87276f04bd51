/**
 * Quorum queues (Celery 5.5 `task_default_queue_type = 'quorum'`): declared with
 * `x-queue-type: quorum`, consumed with per-consumer QoS (RabbitMQ refuses global QoS on them), and
 * the prefetch window still follows `setPrefetch`.
 */
import type { Delivery } from '@celerity/core';
import { waitFor } from '@celerity/testing';
import { sleep } from '@celerity/testing/internal';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAmqpBroker, type AmqpBroker } from '../src/index.js';
import { createTestVhost, listObjects, type TestVhost } from './vhost.js';

let vhost: TestVhost;
let broker: AmqpBroker;

beforeAll(async () => {
  vhost = await createTestVhost();
  broker = createAmqpBroker({ url: vhost.url, queueType: 'quorum' });
});
afterAll(async () => {
  await broker?.close();
  await vhost?.dispose();
});

const envelope = (n: number) => ({ body: Buffer.from(String(n)), contentType: 'application/json', contentEncoding: 'utf-8', headers: {}, properties: {} });

it('declares quorum queues and consumes them within the prefetch window', async () => {
  await broker.declareQueue('qq');
  const row = (await listObjects(vhost.name, 'queues', ['name', 'durable', 'auto_delete', 'arguments'])).find((q) => q['name'] === 'qq');
  expect(row).toEqual({ name: 'qq', durable: true, auto_delete: false, arguments: [['x-queue-type', 'longstr', 'quorum']] });

  await broker.publishMany(Array.from({ length: 8 }, (_, i) => ({ target: { queue: 'qq' }, envelope: envelope(i) })));
  const got: Delivery[] = [];
  const consumer = await broker.consume(['qq'], (d) => void got.push(d), { prefetch: 2 });
  await waitFor(() => got.length === 2, { message: '2 deliveries' });
  await sleep(200);
  expect(got).toHaveLength(2);

  consumer.setPrefetch(5);
  await waitFor(() => got.length === 5, { message: '5 deliveries after widening' });
  await sleep(200);
  expect(got).toHaveLength(5);

  await Promise.all(got.map((d) => d.ack()));
  await waitFor(() => got.length === 8, { message: 'the rest' });
  await Promise.all(got.slice(5).map((d) => d.ack()));
  expect(got.map((d) => Buffer.from(d.envelope.body).toString())).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
  await consumer.cancel();
  expect(await broker.size('qq')).toBe(0);
});

it('consuming a quorum queue prepares native delayed delivery, so a message Celery 5.5 sends through celery_delayed_27 reaches it', { timeout: 30_000 }, async () => {
  await broker.declareQueue('qq-delayed');
  const got: Delivery[] = [];
  const consumer = await broker.consume(['qq-delayed'], (d) => void got.push(d), { prefetch: 1 });
  const bindings = await listObjects(vhost.name, 'bindings', ['source_name', 'destination_name', 'routing_key']);
  expect(bindings).toContainEqual({ source_name: 'celery_delayed_delivery', destination_name: 'qq-delayed', routing_key: '#.qq-delayed' });
  // As Python's send_task does for a 1 s countdown: straight to celery_delayed_27, nothing declared.
  await broker.publish({ queue: 'qq-delayed', exchange: 'celery_delayed_27', routingKey: `${'0.'.repeat(27)}1.qq-delayed` }, envelope(42));
  await waitFor(() => got.length === 1, { message: 'the delayed message', timeout: 15_000 });
  const delivery = got[0] as Delivery;
  expect(Buffer.from(delivery.envelope.body).toString()).toBe('42');
  expect(delivery.exchange).toBe('celery_delayed_delivery');
  await delivery.ack();
  // 2 s: it last waits in level 1, is dead-lettered to exchange celery_delayed_0 and passes on from there.
  await broker.publish({ queue: 'qq-delayed', exchange: 'celery_delayed_27', routingKey: `${'0.'.repeat(26)}1.0.qq-delayed` }, envelope(43));
  await waitFor(() => got.length === 2, { message: 'the second delayed message', timeout: 15_000 });
  expect((got[1] as Delivery).exchange).toBe('celery_delayed_0');
  await (got[1] as Delivery).ack();
  await consumer.cancel();
});

it('reports which delivery of a quorum-queue message this is, without the x-delivery-count header', async () => {
  await broker.declareQueue('qq-count');
  await broker.publish({ queue: 'qq-count' }, envelope(1));
  const seen: Array<{ count: number | undefined; headers: Record<string, unknown> }> = [];
  let consumer = await broker.consume(['qq-count'], (d) => {
    seen.push({ count: d.deliveryCount, headers: { ...d.envelope.headers } });
    void d.reject({ requeue: seen.length < 3 });
  });
  await waitFor(() => seen.length === 3, { message: '3 deliveries' });
  await consumer.cancel();
  expect(seen.map((s) => s.count)).toEqual([1, 2, 3]);
  for (const s of seen) expect(s.headers).toEqual({});
  consumer = await broker.consume(['qq-count'], () => undefined);
  await sleep(200);
  await consumer.cancel();
  expect(await broker.size('qq-count')).toBe(0);
});
