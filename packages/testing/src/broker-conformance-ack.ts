/**
 * Broker conformance: acknowledgement (ack, reject, redelivery on close,
 * cancel) and the prefetch window.
 */
import type { Delivery } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import type { BrokerHarness } from './broker-harness.js';
import { collector, envelopeOf, label } from './broker-harness.js';

/** Registers the ack / reject / close / cancel tests. */
export function registerAckTests(ctx: { h: BrokerHarness }): void {
  describe('acknowledgement', () => {
    it('ack removes the message for good', async () => {
      const { h } = ctx;
      const broker = await h.broker();
      const q = h.queue('ack');
      await broker.declareQueue(q);
      await broker.publish({ queue: q }, envelopeOf('once'));
      const got = collector();
      await broker.consume([q], got.handler);
      await h.until(() => got.items.length >= 1, 'delivery');
      await got.items[0]?.ack();
      await broker.close();
      const again = await h.broker();
      expect(await again.size(q)).toBe(0);
      const late = collector();
      await again.consume([q], late.handler);
      await h.settle();
      expect(late.items).toHaveLength(0);
    });

    it('reject with requeue delivers the message again, flagged redelivered', async () => {
      const { h } = ctx;
      const broker = await h.broker();
      const q = h.queue('requeue');
      await broker.declareQueue(q);
      await broker.publish({ queue: q }, envelopeOf('bounce'));
      const got = collector();
      await broker.consume([q], got.handler);
      await h.until(() => got.items.length >= 1, 'first delivery');
      expect(got.items[0]?.redelivered).toBe(false);
      await got.items[0]?.reject({ requeue: true });
      await h.until(() => got.items.length >= 2, 'redelivery');
      expect(label(got.items[1] as Delivery)).toBe('bounce');
      expect(got.items[1]?.redelivered).toBe(true);
      await got.items[1]?.ack();
      await h.settle();
      expect(got.items).toHaveLength(2);
    });

    it('reject without requeue drops the message', async () => {
      const { h } = ctx;
      const broker = await h.broker();
      const q = h.queue('drop');
      await broker.declareQueue(q);
      await broker.publish({ queue: q }, envelopeOf('bad'));
      await broker.publish({ queue: q }, envelopeOf('good'));
      const got = collector();
      await broker.consume([q], got.handler);
      await h.until(() => got.items.length >= 1, 'first delivery');
      await got.items[0]?.reject();
      await h.until(() => got.items.length >= 2, 'second delivery');
      await got.items[1]?.ack();
      await h.settle();
      expect(got.labels()).toEqual(['bad', 'good']);
      await broker.close();
      expect(await (await h.broker()).size(q)).toBe(0);
    });

    it('close gives unacked messages back; another broker gets them redelivered', async () => {
      const { h } = ctx;
      const first = await h.broker();
      const q = h.queue('restore');
      await first.declareQueue(q);
      await first.publishMany(['r1', 'r2', 'r3'].map((l) => ({ target: { queue: q }, envelope: envelopeOf(l) })));
      const held = collector();
      await first.consume([q], held.handler, { prefetch: 2 });
      await h.until(() => held.items.length >= 2, '2 unacked deliveries');
      await first.close();
      const second = await h.broker();
      const got = collector();
      await second.consume([q], got.handler, { prefetch: 10 });
      await h.until(() => got.items.length >= 3, '3 deliveries after restore');
      expect(got.labels().sort()).toEqual(['r1', 'r2', 'r3']);
      const restored = got.items.filter((d) => held.labels().includes(label(d)));
      expect(restored.map((d) => d.redelivered)).toEqual([true, true]);
      await Promise.all(got.items.map((d) => d.ack()));
    });

    it('cancel stops delivery; deliveries handed out before stay valid', async () => {
      const { h } = ctx;
      const broker = await h.broker();
      const q = h.queue('cancel');
      await broker.declareQueue(q);
      await broker.publish({ queue: q }, envelopeOf('before'));
      const got = collector();
      const consumer = await broker.consume([q], got.handler);
      await h.until(() => got.items.length >= 1, 'delivery');
      await consumer.cancel();
      await got.items[0]?.ack();
      await broker.publish({ queue: q }, envelopeOf('after'));
      await h.settle();
      expect(got.labels()).toEqual(['before']);
      expect(await broker.size(q)).toBe(1);
    });
  });
}

/** Registers the prefetch-window tests. */
export function registerPrefetchTests(ctx: { h: BrokerHarness }): void {
  describe('prefetch', () => {
    it('never has more than `prefetch` unacked deliveries outstanding', async () => {
      const { h } = ctx;
      const broker = await h.broker();
      const q = h.queue('prefetch');
      await broker.declareQueue(q);
      await broker.publishMany(Array.from({ length: 10 }, (_, i) => ({ target: { queue: q }, envelope: envelopeOf(`p${i}`) })));
      const outstanding = new Set<Delivery>();
      let maxOutstanding = 0;
      const got = collector();
      await broker.consume(
        [q],
        (d) => {
          got.handler(d);
          outstanding.add(d);
          maxOutstanding = Math.max(maxOutstanding, outstanding.size);
        },
        { prefetch: 3 },
      );
      await h.until(() => outstanding.size >= 3, '3 outstanding');
      await h.settle();
      expect(got.items).toHaveLength(3);
      // Ack the oldest one at a time: each ack may let exactly one more in.
      for (let acked = 0; acked < 10; acked++) {
        await h.until(() => outstanding.size > 0, `delivery ${acked + 1}`);
        const oldest = outstanding.values().next().value as Delivery;
        outstanding.delete(oldest);
        await oldest.ack();
      }
      expect(got.items).toHaveLength(10);
      expect(maxOutstanding).toBe(3);
      expect(got.labels()).toEqual(Array.from({ length: 10 }, (_, i) => `p${i}`));
    });

    it('setPrefetch widens and narrows the window while consuming', async () => {
      const { h } = ctx;
      const broker = await h.broker();
      const q = h.queue('setprefetch');
      await broker.declareQueue(q);
      await broker.publishMany(Array.from({ length: 6 }, (_, i) => ({ target: { queue: q }, envelope: envelopeOf(`s${i}`) })));
      const got = collector();
      const consumer = await broker.consume([q], got.handler, { prefetch: 1 });
      await h.until(() => got.items.length >= 1, '1 delivery');
      await h.settle();
      expect(got.items).toHaveLength(1);
      consumer.setPrefetch(3);
      await h.until(() => got.items.length >= 3, '3 deliveries after widening');
      await h.settle();
      expect(got.items).toHaveLength(3);
      consumer.setPrefetch(1);
      await Promise.all(got.items.map((d) => d.ack()));
      await h.until(() => got.items.length >= 4, '1 delivery after narrowing');
      await h.settle();
      expect(got.items).toHaveLength(4);
      expect(got.labels()).toEqual(['s0', 's1', 's2', 's3']);
      await got.items[3]?.ack();
    });
  });
}
