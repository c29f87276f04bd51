/**
 * Broker conformance, part four: the dead-letter capability (`broker.deadLetters`). Entries keep
 * their message and reason, listing does not consume, replay sends a fresh first delivery back to
 * the source queue. Skipped when the broker has no dead-letter queue.
 */
import type { Broker, DeadLetterQueue, Delivery } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import type { TestContext } from 'vitest';
import type { BrokerHarness } from './broker-harness.js';
import { collector, envelopeOf, label } from './broker-harness.js';

async function deadLetterBroker(h: BrokerHarness, test: TestContext): Promise<{ broker: Broker; dlq: DeadLetterQueue }> {
  const broker = await h.broker();
  if (!broker.capabilities.deadLetters || broker.deadLetters === undefined) test.skip();
  return { broker, dlq: broker.deadLetters as DeadLetterQueue };
}

const task = (l: string, id: string) => envelopeOf(l, { headers: { id, task: 'tests.dead', redelivered: true, celerity_deliveries: 3 } });

/** Registers the dead-letter tests (each skips itself when the broker has none). */
export function registerDeadLetterTests(ctx: { h: BrokerHarness }): void {
  describe('dead letters', () => {
    it('lists entries oldest first with their reason, without consuming them', async (test) => {
      const { h } = ctx;
      const { broker, dlq } = await deadLetterBroker(h, test);
      const q = h.queue('dead-list');
      await broker.declareQueue(q);
      const at = new Date('2026-01-02T03:04:05.000Z');
      await dlq.add(q, task('first', 'id-1'), { reason: 'max-deliveries', deliveries: 5, error: 'worker lost', at });
      await dlq.add(q, task('second', 'id-2'), { reason: 'max-deliveries' });
      try {
        expect(await dlq.count(q)).toBe(2);
        for (let pass = 0; pass < 2; pass++) {
          const entries = await dlq.list(q);
          expect(entries.map((e) => e.id)).toEqual(['id-1', 'id-2']);
          expect(entries[0]).toMatchObject({ queue: q, reason: 'max-deliveries', deliveries: 5, error: 'worker lost', task: 'tests.dead', deadAt: at, raw: null });
          expect(entries[0]?.envelope && label({ envelope: entries[0].envelope })).toBe('first');
          expect(entries[1]?.deadAt).toBeInstanceOf(Date);
        }
        expect((await dlq.list(q, { limit: 1 })).map((e) => e.id)).toEqual(['id-1']);
        expect(await dlq.count(q)).toBe(2);
        expect(await broker.size(q)).toBe(0);
        expect((await dlq.get(q, 'id-2'))?.envelope && label({ envelope: (await dlq.get(q, 'id-2'))!.envelope! })).toBe('second');
        expect(await dlq.get(q, 'nope')).toBeUndefined();
        expect(await dlq.count(h.queue('dead-other'))).toBe(0);
      } finally {
        await dlq.purge(q);
      }
    });

    it('replays one entry by id, then all, as fresh first deliveries', async (test) => {
      const { h } = ctx;
      const { broker, dlq } = await deadLetterBroker(h, test);
      const q = h.queue('dead-replay');
      await broker.declareQueue(q);
      for (const [l, id] of [['a', 'r-1'], ['b', 'r-2'], ['c', 'r-3']] as const) await dlq.add(q, task(l, id), { reason: 'max-deliveries', deliveries: 2 });
      try {
        expect(await dlq.replay(q, { id: 'r-2' })).toBe(1);
        expect(await dlq.replay(q, { id: 'r-2' })).toBe(0);
        expect((await dlq.list(q)).map((e) => e.id)).toEqual(['r-1', 'r-3']);
        const got = collector();
        await broker.consume([q], got.handler, { prefetch: 10 });
        await h.until(() => got.items.length >= 1, 'the replayed message');
        const first = got.items[0] as Delivery;
        expect(label(first)).toBe('b');
        expect(first.redelivered).toBe(false);
        expect(first.envelope.headers).toEqual({ id: 'r-2', task: 'tests.dead' });

        const progress: number[] = [];
        expect(await dlq.replay(q, { all: true }, { onReplayed: (n) => progress.push(n) })).toBe(2);
        expect(progress).toEqual([1, 2]);
        await h.until(() => got.items.length >= 3, 'all replayed messages');
        expect(got.labels().slice(1).sort()).toEqual(['a', 'c']);
        expect(await dlq.count(q)).toBe(0);
        await Promise.all(got.items.map((d) => d.ack()));
      } finally {
        await dlq.purge(q);
      }
    });

    it('purge deletes every entry and returns the count', async (test) => {
      const { h } = ctx;
      const { broker, dlq } = await deadLetterBroker(h, test);
      const q = h.queue('dead-purge');
      await broker.declareQueue(q);
      expect(await dlq.purge(q)).toBe(0);
      for (let i = 0; i < 3; i++) await dlq.add(q, envelopeOf(`p${i}`), { reason: 'malformed' });
      const entries = await dlq.list(q);
      // Without a task id, each entry gets an id of its own that stays the same between listings.
      expect(new Set(entries.map((e) => e.id)).size).toBe(3);
      expect((await dlq.list(q)).map((e) => e.id)).toEqual(entries.map((e) => e.id));
      expect(await dlq.purge(q)).toBe(3);
      expect(await dlq.count(q)).toBe(0);
      expect(await dlq.list(q)).toEqual([]);
    });
  });
}
