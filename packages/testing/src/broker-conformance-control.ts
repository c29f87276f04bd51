/**
 * Broker conformance, part five: what remote control needs. Durable revokes (`broker.revocations`:
 * shared by every broker on the same server, lapsed ones left out; skipped when the broker has
 * none), and control replies routed to the caller's routing key only (`publishDirect` /
 * `consumeDirect`, or `broadcast` / `subscribe` on the direct reply exchange; skipped for a broker
 * with neither).
 */
import type { Envelope } from '@celerity/core';
import { consumeControlReplies, publishControlReply } from '@celerity/core/internal';
import { describe, expect, it } from 'vitest';
import type { BrokerHarness } from './broker-harness.js';
import { envelopeOf, label } from './broker-harness.js';

const REPLY_EXCHANGE = 'reply.celery.pidbox';

/** Registers the control tests. */
export function registerControlTests(ctx: { h: BrokerHarness }): void {
  describe('control', () => {
    it('keeps revokes until they lapse, for every broker of the server', async (test) => {
      const { h } = ctx;
      const writer = await h.broker();
      if (writer.revocations === undefined) test.skip();
      const reader = await h.broker();
      const now = Date.now();
      const live = [`live-${crypto.randomUUID()}`, `live-${crypto.randomUUID()}`];
      const lapsed = `lapsed-${crypto.randomUUID()}`;
      await writer.revocations!.add(live, now + 60_000);
      await writer.revocations!.add([lapsed], now - 1);
      const listed = await reader.revocations!.list(now);
      const ids = listed.map((r) => r.id);
      expect(ids).toEqual(expect.arrayContaining(live));
      expect(ids).not.toContain(lapsed);
      for (const entry of listed.filter((r) => live.includes(r.id))) expect(entry.expiresAt).toBeGreaterThanOrEqual(now + 60_000);
    });

    it('routes a control reply to the listener of its routing key only', async (test) => {
      const { h } = ctx;
      const listener = await h.broker();
      if (!listener.capabilities.broadcast && listener.consumeDirect === undefined) test.skip();
      const replier = await h.broker();
      const mine = `oid-${crypto.randomUUID()}`;
      const other = `oid-${crypto.randomUUID()}`;
      const got: Envelope[] = [];
      const gotOther: Envelope[] = [];
      const subscription = await consumeControlReplies(listener, REPLY_EXCHANGE, mine, (m) => void got.push(m.envelope));
      const otherSubscription = await consumeControlReplies(listener, REPLY_EXCHANGE, other, (m) => void gotOther.push(m.envelope));
      try {
        await publishControlReply(replier, { exchange: REPLY_EXCHANGE, routingKey: mine }, envelopeOf('reply-1'));
        await h.until(() => got.length === 1, 'the reply');
        await h.settle();
        expect(label({ envelope: got[0]! })).toBe('reply-1');
        expect(gotOther).toHaveLength(0);
      } finally {
        await subscription.unsubscribe();
        await otherSubscription.unsubscribe();
      }
    });
  });
}
