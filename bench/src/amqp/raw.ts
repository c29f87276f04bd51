/**
 * The raw amqplib floor: what any client on the same RabbitMQ can reach. Messages carry the body and
 * headers Celerity sends for the same task, so both put the same bytes on the wire; a minimal variant
 * (no headers) shows what the headers cost.
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

/**
 * Body and properties of a task message for `add(i, i)`, byte for byte what Celerity's client sends
 * for `task.delay(i, i)` / `sendMany` with no result backend (its lean protocol-2 message; checked
 * against a Celerity publish by test/amqp-message-shape.int.test.ts): four headers in this order,
 * `content_type`, `content_encoding`, delivery mode 2, priority 0, and a 13-byte body for one-digit `i`.
 * A top-level task is its own root, so Celerity leaves `root_id` out, and so does this message.
 * With `minimal`, the same body without headers or content properties (the cheapest persistent message).
 */
export function rawTaskMessage(i: number, minimal = false, id: string = randomUUID()): { body: Buffer; options: Options.Publish } {
  const body = Buffer.from(`[[${i},${i}],{},{}]`);
  if (minimal) return { body, options: { persistent: true } };
  return {
    body,
    options: {
      deliveryMode: 2,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      priority: 0,
      headers: { task: 'tasks.add', id, argsrepr: `[${i}, ${i}]`, kwargsrepr: '{}' },
    },
  };
}

/**
 * Connects a confirm channel and declares `queue` (durable, no arguments, as Celery declares it).
 * @example
 * const publisher = await openRawPublisher(url, 'bench');
 * await publisher.publishBulk(50_000, 1000);
 */
export async function openRawPublisher(url: string, queue: string, minimal = false): Promise<RawPublisher> {
  // Nagle off, as Celerity's connection has it: both put their frames on the wire at once.
  const model: ChannelModel = await connect(url, { noDelay: true });
  const channel: ConfirmChannel = await model.createConfirmChannel();
  await channel.assertQueue(queue, { durable: true });
  const publish = (i: number): void => {
    const { body, options } = rawTaskMessage(i, minimal);
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
