/**
 * The prefetch window is per consumer (RabbitMQ 4.3 refuses global QoS): a `consume()` of several
 * classic queues lets each queue hold up to `prefetch` unacked deliveries, `setPrefetch` moves every
 * queue's window without ever letting a queue hold more, and settling what an earlier consumer held
 * gives the window back. RabbitMQ's own count of ready messages (`size`) shows what it holds back.
 */
import type { Delivery } from '@celerity/core';
import { waitFor } from '@celerity/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAmqpBroker, type AmqpBroker } from '../src/index.js';
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

const envelope = (text: string) => ({ body: Buffer.from(text), contentType: 'application/json', contentEncoding: 'utf-8', headers: {}, properties: {} });
const from = (got: Delivery[], queue: string): Delivery[] => got.filter((d) => d.queue === queue);

it('each queue of a consume() holds up to prefetch unacked; setPrefetch and settling move each window', async () => {
  for (const queue of ['pa', 'pb']) {
    await broker.declareQueue(queue);
    await broker.publishMany(Array.from({ length: 6 }, (_, i) => ({ target: { queue }, envelope: envelope(`${queue}${i}`) })));
  }
  const got: Delivery[] = [];
  let ackAll = false;
  const consumer = await broker.consume(['pa', 'pb'], (d) => {
    got.push(d);
    if (ackAll) void d.ack();
  }, { prefetch: 2 });
  await waitFor(() => from(got, 'pa').length === 2 && from(got, 'pb').length === 2, { message: '2 deliveries from each queue' });
  expect([await broker.size('pa'), await broker.size('pb')]).toEqual([4, 4]);

  // Widening adds a consumer per queue with the difference (1), so each queue holds 3.
  consumer.setPrefetch(3);
  await waitFor(() => from(got, 'pa').length === 3 && from(got, 'pb').length === 3, { message: '3 from each after widening' });
  expect([await broker.size('pa'), await broker.size('pb')]).toEqual([3, 3]);

  // Settling two of pa's lets two more in: it holds 3 again (pa2, pa3, pa4).
  await Promise.all(from(got, 'pa').slice(0, 2).map((d) => d.ack()));
  await waitFor(() => from(got, 'pa').length === 5, { message: 'two more from pa once its old consumer had settled' });
  expect([await broker.size('pa'), await broker.size('pb')]).toEqual([1, 3]);
  expect(from(got, 'pb')).toHaveLength(3);

  // Narrowing below what a queue holds: nothing more until enough is settled, then the rest flows.
  consumer.setPrefetch(1);
  ackAll = true;
  await Promise.all(got.map((d) => d.ack()));
  await waitFor(() => got.length === 12, { message: 'the rest' });
  expect(from(got, 'pa').map((d) => Buffer.from(d.envelope.body).toString())).toEqual(['pa0', 'pa1', 'pa2', 'pa3', 'pa4', 'pa5']);
  await consumer.cancel();
});
