/**
 * A message no Celery peer could have sent (here: no content type) is rejected without requeue:
 * dead-lettered when the queue has a dead-letter exchange, dropped otherwise; it is logged and
 * reported through `onMalformed`, and consumption goes on.
 */
import amqp from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { DecodeError } from '@celerity/core';
import type { Delivery, LogFields, MalformedDelivery } from '@celerity/core';
import { waitFor } from '@celerity/testing';
import { sleep } from '@celerity/testing/internal';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAmqpBroker, type AmqpBroker } from '../src/index.js';
import { createTestVhost, type TestVhost } from './vhost.js';

let vhost: TestVhost;
let broker: AmqpBroker;
let raw: ChannelModel;
const warnings: Array<{ message: string; fields?: LogFields }> = [];

beforeAll(async () => {
  vhost = await createTestVhost();
  broker = createAmqpBroker({
    url: vhost.url,
    logger: { debug() {}, info() {}, error() {}, warn: (message, fields) => void warnings.push(fields === undefined ? { message } : { message, fields }) },
  });
  raw = await amqp.connect(vhost.url);
});
afterAll(async () => {
  await raw?.close().catch(() => undefined);
  await broker?.close();
  await vhost?.dispose();
});

const good = { body: Buffer.from('"good"'), contentType: 'application/json', contentEncoding: 'utf-8', headers: { id: 'g' }, properties: {} };

it('dead-letters a malformed message, reports and logs it, and keeps consuming', async () => {
  const channel = await raw.createChannel();
  await channel.assertExchange('dead', 'fanout', { durable: true });
  await channel.assertQueue('dead-letters', { durable: true });
  await channel.bindQueue('dead-letters', 'dead', '');
  await broker.declareQueue('work', { deadLetterExchange: 'dead' });
  expect(broker.deadLetterExchange('work')).toBe('dead');

  channel.sendToQueue('work', Buffer.from('not a celery message'), { headers: { id: 'bad' } });
  await broker.publish({ queue: 'work' }, good);

  const reports: MalformedDelivery[] = [];
  const delivered: Delivery[] = [];
  await broker.consume(['work'], (d) => void delivered.push(d), { prefetch: 10, onMalformed: (m) => void reports.push(m) });
  await waitFor(() => reports.length === 1 && delivered.length === 1, { message: 'one report and one delivery' });
  await delivered[0]?.ack();

  expect(reports[0]).toMatchObject({ queue: 'work', setAsideAt: 'dead' });
  expect(reports[0]?.error).toBeInstanceOf(DecodeError);
  expect(Buffer.from(reports[0]?.raw as Uint8Array).toString()).toBe('not a celery message');
  expect(delivered[0]?.envelope.headers).toEqual({ id: 'g' });
  expect(warnings.some((w) => w.message.includes('Malformed message in queue "work"') && w.fields?.['deadLetterExchange'] === 'dead')).toBe(true);

  const dead = await waitFor(async () => (await channel.get('dead-letters', { noAck: true })) || undefined, { message: 'the dead-lettered message' });
  expect(dead.content.toString()).toBe('not a celery message');
  expect(dead.properties.headers?.['x-death']?.[0]).toMatchObject({ queue: 'work', reason: 'rejected' });
  await sleep(100);
  expect(await broker.size('work')).toBe(0);
  expect(reports).toHaveLength(1);
  await channel.close();
});

it('sets a malformed message from a queue without dead-letter exchange aside in its dead-letter queue', async () => {
  await broker.declareQueue('plain');
  const channel = await raw.createChannel();
  channel.sendToQueue('plain', Buffer.from('garbage'), { headers: { id: 'bad-1' }, expiration: '60000' });
  channel.sendToQueue('plain', Buffer.from('no properties'), {});
  await broker.publish({ queue: 'plain' }, good);
  const reports: MalformedDelivery[] = [];
  const delivered: Delivery[] = [];
  await broker.consume(['plain'], (d) => void delivered.push(d), { prefetch: 10, onMalformed: (m) => void reports.push(m) });
  await waitFor(() => delivered.length === 1 && reports.length === 2, { message: 'the good message and two reports' });
  await delivered[0]?.ack();
  expect(reports.map((r) => r.setAsideAt)).toEqual(['celerity.dead.plain', 'celerity.dead.plain']);
  expect(warnings.some((w) => w.message.includes('Malformed message in queue "plain" set aside in "celerity.dead.plain"'))).toBe(true);
  await waitFor(async () => (await broker.size('plain')) === 0, { message: 'the queue empty' });

  expect(await broker.deadLetters.count('plain')).toBe(2);
  const entries = await broker.deadLetters.list('plain');
  expect(entries.map((e) => Buffer.from(e.raw as Uint8Array).toString())).toEqual(['garbage', 'no properties']);
  expect(entries[0]).toMatchObject({ id: 'bad-1', queue: 'plain', reason: 'malformed', envelope: null, error: 'AMQP message has no content_type' });
  expect(entries[1]).toMatchObject({ reason: 'malformed', error: 'AMQP message has no content_type' });
  expect(entries[1]?.id).toMatch(/^entry-[0-9a-f]{16}$/);
  expect(entries[0]?.deadAt).toBeInstanceOf(Date);
  // Listing gave everything back in its place; a replay has no message to send.
  expect((await broker.deadLetters.list('plain')).map((e) => e.id)).toEqual(entries.map((e) => e.id));
  expect(await broker.deadLetters.replay('plain', { all: true })).toBe(0);
  expect(await broker.deadLetters.purge('plain')).toBe(2);
  await channel.close();
});
