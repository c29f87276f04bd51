/**
 * The frame writer on a real amqplib channel and RabbitMQ: the amqplib internals it needs are there
 * (an amqplib upgrade that moves them fails here, not silently in production), messages queued
 * through it and through `channel.publish` arrive in call order with every confirm, a closing
 * channel takes nothing, and the broker's pipelined publishes go out in a few large socket writes.
 */
import amqp from 'amqplib';
import type { ChannelModel, ConfirmChannel, GetMessage } from 'amqplib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAmqpBroker } from '../src/index.js';
import { PublishFrameWriter } from '../src/publish-frames.js';
import { createTestVhost, type TestVhost } from './vhost.js';

let vhost: TestVhost;
let model: ChannelModel;
beforeAll(async () => {
  vhost = await createTestVhost();
  model = await amqp.connect(vhost.url);
});
afterAll(async () => {
  await model?.close().catch(() => undefined);
  await vhost?.dispose();
});

async function drain(channel: ConfirmChannel, queue: string): Promise<GetMessage[]> {
  const out: GetMessage[] = [];
  for (let m = await channel.get(queue, { noAck: true }); m !== false; m = await channel.get(queue, { noAck: true })) out.push(m);
  return out;
}

it('queues messages in call order with amqplib publishes in between, each confirmed', async () => {
  const channel = await model.createConfirmChannel();
  await channel.assertQueue('frames', { durable: true });
  let full = 0;
  const writer = PublishFrameWriter.open(channel, () => full++);
  expect(writer).not.toBeNull();
  const confirms: Array<Promise<unknown>> = [];
  const confirm = (): ((error: unknown) => void) => {
    let settle!: (error: unknown) => void;
    confirms.push(new Promise((resolve) => (settle = resolve)));
    return settle;
  };
  const options = (i: number) => ({ contentType: 'text/plain', contentEncoding: 'utf-8', deliveryMode: 2, headers: { i: { '!': 'int', value: i }, name: `message ${i}` } });
  for (let i = 0; i < 2000; i++) {
    const content = Buffer.from(`body ${i}`);
    if (i % 500 === 7) {
      // What the publisher does with a message the writer refuses: flush, then amqplib.
      writer!.flush();
      channel.publish('', 'frames', content, options(i), confirm());
    } else {
      expect(writer!.append('', 'frames', content, options(i), confirm())).toBe(true);
    }
  }
  writer!.flush();
  expect(await Promise.all(confirms)).toEqual(new Array(2000).fill(null));
  const got = await drain(channel, 'frames');
  expect(got.map((m) => m.content.toString())).toEqual(Array.from({ length: 2000 }, (_, i) => `body ${i}`));
  expect(got[1234]!.properties.headers).toEqual({ i: 1234, name: 'message 1234' });
  expect(got[1234]!.properties.deliveryMode).toBe(2);
  expect(full).toBe(0);
  await channel.close();
});

it('takes nothing once the channel is closing', async () => {
  const channel = await model.createConfirmChannel();
  const writer = PublishFrameWriter.open(channel, () => undefined)!;
  const closing = channel.close();
  expect(writer.append('', 'frames', Buffer.from('late'), {}, () => undefined)).toBe(false);
  await closing;
});

it('sends a pipelined batch of the broker in a few socket writes', async () => {
  const broker = createAmqpBroker({ url: vhost.url });
  try {
    await broker.declareQueue('batched');
    const envelope = (i: number) => ({ body: Buffer.from(`[[${i},${i}],{},{}]`), contentType: 'application/json', contentEncoding: 'utf-8', headers: { task: 'tasks.add', id: `id-${i}` }, properties: { priority: 0 } });
    // The broker's connection is private: find its socket once it is open.
    await broker.publish({ queue: 'batched' }, envelope(-1));
    const socket = findSocket(broker);
    const writes = tapWrites(socket);
    await broker.publishMany(Array.from({ length: 1000 }, (_, i) => ({ target: { queue: 'batched' }, envelope: envelope(i) })));
    expect(await broker.size('batched')).toBe(1001);
    // ~130 bytes a message: 1,000 messages fit in about 8 chunks of 16 KiB (amqplib alone: 1,000 writes).
    expect(writes.count).toBeGreaterThan(0);
    expect(writes.count).toBeLessThan(50);
  } finally {
    await broker.close();
  }
});

/** The socket under the broker's publisher connection, found through its (private) fields. */
function findSocket(broker: object): { write: (...args: unknown[]) => boolean } {
  const connection = (broker as { connection?: { model?: { connection?: { stream?: { write: (...args: unknown[]) => boolean } } } } }).connection;
  const stream = connection?.model?.connection?.stream;
  if (stream === undefined) throw new Error('no socket found on the broker');
  return stream;
}

function tapWrites(socket: { write: (...args: unknown[]) => boolean }): { count: number } {
  const counter = { count: 0 };
  const write = socket.write.bind(socket);
  socket.write = (...args: unknown[]) => {
    counter.count++;
    return write(...args);
  };
  return counter;
}
