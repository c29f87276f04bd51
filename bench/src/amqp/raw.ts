/**
 * The raw amqplib floor: what any client on the same RabbitMQ can reach. Messages carry a
 * Celery-sized body and the headers a protocol-2 task needs, so the bytes on the wire are comparable.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import type { ChannelModel, ConfirmChannel, Options } from 'amqplib';

/** A confirm channel publishing to one durable queue through the default exchange. */
export interface RawPublisher {
  /** Publishes `count` persistent messages one at a time, waiting for each confirm. */
  publishOne(count: number): Promise<void>;
  /** Publishes `count` persistent messages, `batchSize` in flight, then waits for their confirms. */
  publishBulk(count: number, batchSize: number): Promise<void>;
  close(): Promise<void>;
}

/** Body and properties of a task message for `add(i, i)`, as a Celery client would send it. */
export function rawTaskMessage(queue: string, i: number): { body: Buffer; options: Options.Publish } {
  const id = randomUUID();
  const body = Buffer.from(JSON.stringify([[i, i], {}, { callbacks: null, errbacks: null, chain: null, chord: null }]));
  return {
    body,
    options: {
      persistent: true,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      correlationId: id,
      priority: 0,
      headers: { lang: 'py', task: 'tasks.add', id, root_id: id, parent_id: null, group: null, retries: 0, eta: null, expires: null, argsrepr: `(${i}, ${i})`, kwargsrepr: '{}', origin: 'bench' },
      deliveryMode: 2,
      replyTo: queue,
    },
  };
}

/**
 * Connects a confirm channel and declares `queue` (durable, no arguments, as Celery declares it).
 * @example
 * const publisher = await openRawPublisher(url, 'bench');
 * await publisher.publishBulk(50_000, 1000);
 */
export async function openRawPublisher(url: string, queue: string): Promise<RawPublisher> {
  const model: ChannelModel = await connect(url);
  const channel: ConfirmChannel = await model.createConfirmChannel();
  await channel.assertQueue(queue, { durable: true });
  const publish = (i: number): void => {
    const { body, options } = rawTaskMessage(queue, i);
    channel.publish('', queue, body, options);
  };
  return {
    async publishOne(count) {
      for (let i = 0; i < count; i++) {
        publish(i);
        await channel.waitForConfirms();
      }
    },
    async publishBulk(count, batchSize) {
      for (let start = 0; start < count; start += batchSize) {
        const end = Math.min(count, start + batchSize);
        for (let i = start; i < end; i++) publish(i);
        await channel.waitForConfirms();
      }
    },
    async close() {
      await model.close();
    },
  };
}
