/**
 * The raw amqplib publish row is only a fair floor if it sends what Celerity sends: this publishes
 * `add(i, i)` both ways on a fresh vhost and compares what RabbitMQ hands back — properties, header
 * names in wire order, header values and body bytes.
 */
import { connect } from 'amqplib';
import type { ChannelModel, GetMessage } from 'amqplib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openCelerityProducer } from '../src/amqp/producers.js';
import { rawTaskMessage } from '../src/amqp/raw.js';
import { createBenchVhost } from '../src/amqp/vhost.js';
import type { BenchVhost } from '../src/amqp/vhost.js';

const queue = 'bench-shape';
let vhost: BenchVhost;
let model: ChannelModel;

beforeAll(async () => {
  vhost = await createBenchVhost();
  model = await connect(vhost.url);
});

afterAll(async () => {
  await model?.close();
  await vhost?.close();
});

/** Takes every message in the queue, oldest first. */
async function takeAll(): Promise<GetMessage[]> {
  const channel = await model.createChannel();
  const out: GetMessage[] = [];
  try {
    for (let message = await channel.get(queue, { noAck: true }); message !== false; message = await channel.get(queue, { noAck: true })) out.push(message);
  } finally {
    await channel.close();
  }
  return out;
}

/** What a consumer sees of a message, header names in the order they came on the wire. */
function shape(message: GetMessage): Record<string, unknown> {
  const { headers, ...properties } = message.properties;
  return { properties, headerNames: Object.keys(headers ?? {}), headers, body: message.content.toString('latin1') };
}

it.each([
  [7, 'one-digit arguments'],
  [42, 'two-digit arguments'],
])('raw amqplib sends the message Celerity sends for add(i, i) (%i: %s)', async (i) => {
  const producer = await openCelerityProducer(vhost.url, queue);
  try {
    // The bench's pipelined path: add(0, 0) … add(i, i) through sendMany; the last one is compared.
    await producer.publishBulk!(i + 1, 1000);
  } finally {
    await producer.close();
  }
  const celerity = (await takeAll()).at(-1)!;
  expect(celerity.properties.headers?.['argsrepr']).toBe(`[${i}, ${i}]`);
  const id = celerity.properties.headers?.['id'];
  expect(typeof id).toBe('string');

  const publisher = await model.createConfirmChannel();
  const { body, options } = rawTaskMessage(i, false, id as string);
  publisher.publish('', queue, body, options);
  await publisher.waitForConfirms();
  await publisher.close();
  const raw = await takeAll();

  expect(raw).toHaveLength(1);
  expect(shape(raw[0]!)).toEqual(shape(celerity));
  expect(shape(raw[0]!)['headerNames']).toEqual(['task', 'id', 'argsrepr', 'kwargsrepr']);
});
