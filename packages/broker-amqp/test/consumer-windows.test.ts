/**
 * The consumer's per-queue windows against a fake channel that applies per-consumer QoS as RabbitMQ
 * does (a consumer gets the prefetch set before its basic.consume; a cancelled one gets nothing more;
 * its unacked deliveries stay unacked): a wider window adds a consumer, a narrower one replaces them
 * and the window comes back as what they held is settled; a queue never holds more than the window.
 */
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { silentLogger } from '@celerity/core';
import type { Delivery } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import type { AmqpConnection } from '../src/connection.js';
import { AmqpConsumer, type ConsumerHost } from '../src/consumer.js';

interface FakeConsumer {
  tag: string;
  limit: number;
  held: Set<number>;
  handler: (message: ConsumeMessage) => void;
}

/** One queue of `ready` messages and one channel consuming it, delivering as RabbitMQ would. */
class FakeQueue {
  ready: number;
  nextTag = 1;
  nextPrefetch = 0;
  consumes = 0;
  active: FakeConsumer[] = [];
  /** delivery tag → the consumer (current or cancelled) holding it. */
  readonly unacked = new Map<number, FakeConsumer>();
  maxUnacked = 0;

  constructor(ready: number) {
    this.ready = ready;
  }

  channel(): Channel {
    const settle = (tag: number, multiple: boolean): void => {
      for (const [t, consumer] of [...this.unacked]) {
        if (t === tag || (multiple && t < tag)) {
          this.unacked.delete(t);
          consumer.held.delete(t);
        }
      }
      this.pump();
    };
    const fake = {
      prefetch: async (count: number, global: boolean) => {
        expect(global).toBe(false);
        this.nextPrefetch = count;
      },
      consume: async (_queue: string, handler: (message: ConsumeMessage) => void) => {
        this.consumes++;
        const consumer: FakeConsumer = { tag: `ctag-${this.consumes}`, limit: this.nextPrefetch, held: new Set(), handler };
        this.active.push(consumer);
        setImmediate(() => this.pump());
        return { consumerTag: consumer.tag };
      },
      cancel: async (tag: string) => {
        this.active = this.active.filter((c) => c.tag !== tag);
        return {};
      },
      ack: (message: { fields: { deliveryTag: number } }, multiple?: boolean) => settle(message.fields.deliveryTag, multiple === true),
      reject: (message: { fields: { deliveryTag: number } }) => settle(message.fields.deliveryTag, false),
      on: () => fake,
      close: async () => undefined,
    };
    return fake as unknown as Channel;
  }

  get limits(): number[] {
    return this.active.map((c) => c.limit);
  }

  private pump(): void {
    for (;;) {
      const consumer = this.active.find((c) => c.limit === 0 || c.held.size < c.limit);
      if (consumer === undefined || this.ready === 0) return;
      const tag = this.nextTag++;
      this.ready--;
      consumer.held.add(tag);
      this.unacked.set(tag, consumer);
      this.maxUnacked = Math.max(this.maxUnacked, this.unacked.size);
      consumer.handler({
        content: Buffer.from('{}'),
        fields: { deliveryTag: tag, consumerTag: consumer.tag, exchange: '', routingKey: 'q', redelivered: false },
        properties: { contentType: 'application/json', contentEncoding: 'utf-8', headers: {} },
      } as unknown as ConsumeMessage);
    }
  }
}

function consumerOn(queue: FakeQueue, got: Delivery[], prefetch: number): AmqpConsumer {
  const model = { createChannel: async () => queue.channel() } as unknown as ChannelModel;
  const connection = { acquire: async () => model, generation: 1, current: model, onOpen: () => () => undefined } as unknown as AmqpConnection;
  const host: ConsumerHost = {
    connection,
    logger: silentLogger,
    isQuorum: () => false,
    deadLetterExchange: () => undefined,
    setAside: async () => 'dead',
    deadline: () => Date.now() + 10_000,
  };
  return new AmqpConsumer(host, ['q'], (delivery) => void got.push(delivery), { prefetch });
}

/** Lets every pending promise, setImmediate and deliveries run. */
async function settleDown(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('AmqpConsumer windows (per-consumer QoS)', () => {
  it('widens by adding a consumer with the difference, and holds the window under a full load', async () => {
    const queue = new FakeQueue(100);
    const got: Delivery[] = [];
    const consumer = consumerOn(queue, got, 4);
    await consumer.start();
    await settleDown();
    expect([queue.unacked.size, queue.limits]).toEqual([4, [4]]);

    consumer.setPrefetch(6);
    await settleDown();
    expect([queue.unacked.size, queue.limits]).toEqual([6, [4, 2]]);

    // Settling one at a time, with more always waiting: never over the window, no re-subscribing.
    for (let i = 0; i < 30; i++) {
      await got.find((d) => queue.unacked.has(tagOf(d)))?.ack();
      await settleDown();
    }
    expect([queue.unacked.size, queue.limits, queue.consumes, queue.maxUnacked]).toEqual([6, [4, 2], 2, 6]);
    await consumer.cancel();
  });

  it('narrows by replacing the consumers, and gives the window back as what they held is settled', async () => {
    const queue = new FakeQueue(100);
    const got: Delivery[] = [];
    const consumer = consumerOn(queue, got, 5);
    await consumer.start();
    await settleDown();
    consumer.setPrefetch(2);
    await settleDown();
    // The cancelled consumer holds 5, more than the window: no consumer until some are settled.
    expect([queue.unacked.size, queue.limits]).toEqual([5, []]);
    const held = got.slice(0, 5);
    await Promise.all(held.slice(0, 4).map((d) => d.ack()));
    await settleDown();
    expect([queue.unacked.size, queue.limits]).toEqual([2, [1]]);
    await held[4]?.ack();
    await settleDown();
    expect([queue.unacked.size, queue.limits]).toEqual([2, [1, 1]]);
    expect(queue.maxUnacked).toBe(5);

    consumer.setPrefetch(8);
    await settleDown();
    expect([queue.unacked.size, queue.limits]).toEqual([8, [1, 1, 6]]);
    await consumer.cancel();
  });
});

describe('AmqpConsumer windows: many widenings', () => {
  it('keeps a few consumers per queue however often the window widens (as ETA tasks held widen it)', async () => {
    const queue = new FakeQueue(1000);
    const got: Delivery[] = [];
    const consumer = consumerOn(queue, got, 4);
    await consumer.start();
    await settleDown();
    for (let window = 5; window <= 60; window++) {
      consumer.setPrefetch(window);
      await settleDown();
      // Settle the oldest held one now and then, as tasks finish.
      if (window % 3 === 0) await got.find((d) => queue.unacked.has(tagOf(d)))?.ack();
      await settleDown();
      expect(queue.active.length).toBeLessThanOrEqual(14);
      expect(queue.unacked.size).toBeLessThanOrEqual(window);
    }
    // Once everything held is settled, the whole window is back.
    for (let i = 0; i < 200 && queue.unacked.size > 0; i++) {
      await Promise.all(got.filter((d) => queue.unacked.has(tagOf(d))).map((d) => d.ack()));
      await settleDown();
      if (queue.limits.reduce((a, b) => a + b, 0) === 60) break;
    }
    expect(queue.limits.reduce((a, b) => a + b, 0)).toBe(60);
    expect(queue.unacked.size).toBe(60);
    await consumer.cancel();
  });
});

function tagOf(delivery: Delivery): number {
  return Number(delivery.deliveryTag.split('.')[1]);
}
