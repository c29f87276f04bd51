/**
 * The broker conformance suite: every adapter (memory, Redis, AMQP) runs the same checks of the
 * `Broker` contract against its real server.
 */
import type { Broker, Delivery } from '@celerity/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBrokerHarness, collector, envelopeOf, label, resolveBrokerOptions } from './broker-harness.js';
import type { BrokerConformanceOptions, BrokerHarness } from './broker-harness.js';
import { registerAckTests, registerPrefetchTests } from './broker-conformance-ack.js';
import { registerBroadcastTests } from './broker-conformance-broadcast.js';
import { registerControlTests } from './broker-conformance-control.js';
import { registerDeadLetterTests } from './broker-conformance-dead-letters.js';
import { registerEnvelopeTests } from './broker-conformance-envelope.js';

export type { BrokerConformanceOptions };


/**
 * Registers vitest `describe` / `it` blocks checking every point of the `Broker` contract. Each test
 * creates its brokers with `makeBroker`, uses fresh queue names and closes everything afterwards.
 * @example
 * runBrokerConformance('redis', () => createRedisBroker({ url: 'redis://127.0.0.1:6379/3' }));
 */
export function runBrokerConformance(
  name: string,
  makeBroker: () => Promise<Broker> | Broker,
  options: BrokerConformanceOptions = {},
): void {
  const resolved = resolveBrokerOptions(options);
  const ctx = { h: undefined as unknown as BrokerHarness };
  const timeout = resolved.timeout * 3 + resolved.settleMs * 4;

  describe(`Broker conformance: ${name}`, { timeout }, () => {
    beforeEach(() => {
      ctx.h = createBrokerHarness(makeBroker, resolved);
    });
    afterEach(async () => {
      await ctx.h.dispose();
    });

    registerQueueTests(ctx);
    registerAckTests(ctx);
    registerPrefetchTests(ctx);
    registerSizeAndPriorityTests(ctx);
    registerEnvelopeTests(ctx);
    registerBroadcastTests(ctx);
    registerDeadLetterTests(ctx);
    registerControlTests(ctx);
  });
}

function registerQueueTests(ctx: { h: BrokerHarness }): void {
  describe('publish / consume', () => {
    it('delivers published messages in FIFO order with their routing details', async () => {
      const { h } = ctx;
      const broker = await h.broker();
      const q = h.queue('fifo');
      await broker.declareQueue(q);
      for (let i = 0; i < 5; i++) await broker.publish({ queue: q }, envelopeOf(`m${i}`));
      const got = collector();
      await broker.consume([q], got.handler, { prefetch: 10 });
      await h.until(() => got.items.length >= 5, '5 deliveries');
      expect(got.labels()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
      for (const d of got.items) {
        expect(d.queue).toBe(q);
        expect(d.exchange).toBe('');
        expect(d.routingKey).toBe(q);
        expect(d.redelivered).toBe(false);
        expect(typeof d.deliveryTag).toBe('string');
      }
      expect(new Set(got.items.map((d) => d.deliveryTag)).size).toBe(5);
      await Promise.all(got.items.map((d) => d.ack()));
    });

    it('delivers messages published while consuming', async () => {
      const { h } = ctx;
      const broker = await h.broker();
      const q = h.queue('live');
      await broker.declareQueue(q);
      const got = collector();
      await broker.consume([q], (d) => {
        got.handler(d);
        void d.ack();
      });
      await broker.publish({ queue: q }, envelopeOf('first'));
      await h.until(() => got.items.length >= 1, 'first delivery');
      await broker.publish({ queue: q }, envelopeOf('second'));
      await h.until(() => got.items.length >= 2, 'second delivery');
      expect(got.labels()).toEqual(['first', 'second']);
    });

    it('publishMany delivers every item to its own queue, in order', async () => {
      const { h } = ctx;
      const broker = await h.broker();
      const qa = h.queue('many-a');
      const qb = h.queue('many-b');
      await broker.declareQueue(qa);
      await broker.declareQueue(qb);
      const items = Array.from({ length: 20 }, (_, i) => ({
        target: { queue: i % 2 === 0 ? qa : qb },
        envelope: envelopeOf(`${i % 2 === 0 ? 'a' : 'b'}${i}`),
      }));
      await broker.publishMany(items);
      expect(await broker.size(qa)).toBe(10);
      expect(await broker.size(qb)).toBe(10);
      const a = collector();
      const b = collector();
      await broker.consume([qa], a.handler, { prefetch: 20 });
      await broker.consume([qb], b.handler, { prefetch: 20 });
      await h.until(() => a.items.length >= 10 && b.items.length >= 10, '20 deliveries');
      expect(a.labels()).toEqual(items.filter((_, i) => i % 2 === 0).map((_, k) => `a${k * 2}`));
      expect(b.labels()).toEqual(items.filter((_, i) => i % 2 === 1).map((_, k) => `b${k * 2 + 1}`));
      await Promise.all([...a.items, ...b.items].map((d) => d.ack()));
    });

    it('consumes several queues with one consumer and reports the source queue', async () => {
      const { h } = ctx;
      const broker = await h.broker();
      const q1 = h.queue('multi-1');
      const q2 = h.queue('multi-2');
      await broker.declareQueue(q1);
      await broker.declareQueue(q2);
      await broker.publish({ queue: q1 }, envelopeOf('one'));
      await broker.publish({ queue: q2 }, envelopeOf('two'));
      const got = collector();
      await broker.consume([q1, q2], got.handler, { prefetch: 4 });
      await h.until(() => got.items.length >= 2, '2 deliveries');
      const byLabel = Object.fromEntries(got.items.map((d) => [label(d), d.queue]));
      expect(byLabel).toEqual({ one: q1, two: q2 });
      await Promise.all(got.items.map((d) => d.ack()));
    });

    it('hands each message to exactly one of several competing consumers', async () => {
      const { h } = ctx;
      const [b1, b2] = [await h.broker(), await h.broker()];
      const q = h.queue('compete');
      await b1.declareQueue(q);
      const seen: string[] = [];
      const take = (d: Delivery): void => {
        seen.push(label(d));
        void d.ack();
      };
      await b1.consume([q], take, { prefetch: 2 });
      await b2.consume([q], take, { prefetch: 2 });
      const expected = Array.from({ length: 30 }, (_, i) => `c${i}`);
      await b1.publishMany(expected.map((l) => ({ target: { queue: q }, envelope: envelopeOf(l) })));
      await h.until(() => seen.length >= 30, '30 deliveries');
      await h.settle();
      expect([...seen].sort()).toEqual([...expected].sort());
    });
  });
}

function registerSizeAndPriorityTests(ctx: { h: BrokerHarness }): void {
  describe('size / purge / priority', () => {
    it('size counts ready messages only; purge removes them and returns the count', async () => {
      const { h } = ctx;
      const broker = await h.broker();
      const q = h.queue('size');
      await broker.declareQueue(q);
      expect(await broker.size(q)).toBe(0);
      expect(await broker.purge(q)).toBe(0);
      await broker.publishMany(['x', 'y', 'z'].map((l) => ({ target: { queue: q }, envelope: envelopeOf(l) })));
      expect(await broker.size(q)).toBe(3);
      const got = collector();
      const consumer = await broker.consume([q], got.handler, { prefetch: 1 });
      await h.until(() => got.items.length >= 1, 'delivery');
      await consumer.cancel();
      await h.until(async () => (await broker.size(q)) === 2, 'size 2 with one unacked');
      expect(await broker.purge(q)).toBe(2);
      expect(await broker.size(q)).toBe(0);
      await got.items[0]?.ack();
    });

    it('size and purge include every priority level', async () => {
      const { h } = ctx;
      const broker = await h.broker();
      const q = h.queue('size-pri');
      await broker.declareQueue(q, { maxPriority: 9 });
      for (const priority of [0, 3, 6, 9]) await broker.publish({ queue: q }, envelopeOf(`p${priority}`, { properties: { priority } }));
      expect(await broker.size(q)).toBe(4);
      expect(await broker.purge(q)).toBe(4);
      expect(await broker.size(q)).toBe(0);
    });

    it('orders by priority as capabilities.priorityOrder says, FIFO within a level', async (test) => {
      const { h } = ctx;
      const broker = await h.broker();
      const order = h.options.priorityOrder ?? broker.capabilities.priorityOrder;
      if (order === 'none') return test.skip();
      const q = h.queue('priority');
      await broker.declareQueue(q, { maxPriority: 9 });
      const sent: Array<[string, number]> = [['a6', 6], ['b0', 0], ['c9', 9], ['d3', 3], ['e3', 3], ['f0', 0]];
      for (const [l, priority] of sent) await broker.publish({ queue: q }, envelopeOf(l, { properties: { priority } }));
      const got = collector();
      await broker.consume([q], (d) => {
        got.handler(d);
        void d.ack();
      });
      await h.until(() => got.items.length >= sent.length, 'all deliveries');
      const expected = order === 'low-first' ? ['b0', 'f0', 'd3', 'e3', 'a6', 'c9'] : ['c9', 'a6', 'd3', 'e3', 'b0', 'f0'];
      expect(got.labels()).toEqual(expected);
    });

    it('declareQueue is idempotent', async () => {
      const { h } = ctx;
      const broker = await h.broker();
      const q = h.queue('declare');
      await broker.declareQueue(q);
      await broker.publish({ queue: q }, envelopeOf('kept'));
      await broker.declareQueue(q);
      expect(await broker.size(q)).toBe(1);
    });
  });
}
