/**
 * Broker conformance, part three: broadcast (control and events) with fanout (`''`) and AMQP topic
 * patterns. Skipped when the broker does not support broadcast.
 */
import type { BroadcastMessage, Broker } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import type { TestContext } from 'vitest';
import type { BrokerHarness } from './broker-harness.js';
import { envelopeOf } from './broker-harness.js';

const decoder = new TextDecoder();
const labelOf = (message: BroadcastMessage): string => JSON.parse(decoder.decode(message.envelope.body)) as string;

/** A broker for a broadcast test; skips the test when the broker has no broadcast. */
async function broadcastBroker(h: BrokerHarness, test: TestContext): Promise<Broker> {
  const broker = await h.broker();
  if (!(h.options.supportsBroadcast ?? broker.capabilities.broadcast)) test.skip();
  return broker;
}

function inbox(): { messages: BroadcastMessage[]; handler: (m: BroadcastMessage) => void; labels: () => string[] } {
  const messages: BroadcastMessage[] = [];
  return { messages, handler: (m) => void messages.push(m), labels: () => messages.map(labelOf) };
}

/** Registers the broadcast tests (each skips itself when the broker has no broadcast). */
export function registerBroadcastTests(ctx: { h: BrokerHarness }): void {
  describe('broadcast', () => {
    it("fans out to every '' subscriber on the exchange, across brokers", async (test) => {
      const { h } = ctx;
      const sender = await broadcastBroker(h, test);
      const [r1, r2] = [await h.broker(), await h.broker()];
      const ex = h.exchange('fanout');
      const a = inbox();
      const b = inbox();
      await r1.subscribe(ex, '', a.handler);
      await r2.subscribe(ex, '', b.handler);
      const envelope = envelopeOf('hello', { headers: { kind: 'control', nested: { n: 1 } } });
      await sender.broadcast(ex, 'any.routing.key', envelope);
      await h.until(() => a.messages.length >= 1 && b.messages.length >= 1, 'both subscribers');
      for (const message of [a.messages[0], b.messages[0]]) {
        expect(message?.exchange).toBe(ex);
        expect(message?.routingKey).toBe('any.routing.key');
        expect(message && labelOf(message)).toBe('hello');
        expect(message?.envelope.headers).toEqual({ kind: 'control', nested: { n: 1 } });
      }
      await h.settle();
      expect(a.messages).toHaveLength(1);
      expect(b.messages).toHaveLength(1);
    });

    it('broadcastJsonText (where the broker has it) delivers the JSON as the body, headers and all', async (test) => {
      const { h } = ctx;
      const sender = await broadcastBroker(h, test);
      if (sender.broadcastJsonText === undefined) test.skip();
      const ex = h.exchange('text');
      const a = inbox();
      await (await h.broker()).subscribe(ex, '#', a.handler);
      // ASCII JSON, as the method asks: a character past ASCII written as its \uXXXX escape.
      const json = JSON.stringify([{ type: 'task-started', uuid: 'say "hi" \\ \u00e9' }]).replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      const { body: _body, ...rest } = envelopeOf('unused', { headers: { hostname: 'w@h' } });
      const escaped = JSON.stringify(json).slice(1, -1);
      await sender.broadcastJsonText?.(ex, 'task.multi', [escaped.slice(0, 5), '', escaped.slice(5)], rest);
      await h.until(() => a.messages.length >= 1, 'the subscriber');
      expect(a.messages[0]?.routingKey).toBe('task.multi');
      expect(decoder.decode(a.messages[0]?.envelope.body)).toBe(json);
      expect(a.messages[0]?.envelope).toMatchObject({ contentType: rest.contentType, headers: { hostname: 'w@h' } });
    });

    it('matches topic patterns: * is one word, # is zero or more', async (test) => {
      const { h } = ctx;
      const broker = await broadcastBroker(h, test);
      const ex = h.exchange('topic');
      const patterns = ['a.*', 'a.#', '#', '*.b', 'a.b.c', '*'] as const;
      const boxes = new Map(patterns.map((p) => [p, inbox()]));
      for (const [pattern, box] of boxes) await broker.subscribe(ex, pattern, box.handler);
      const keys = ['a.b', 'a.b.c', 'a', 'x.b', 'z.z.z'];
      for (const key of keys) await broker.broadcast(ex, key, envelopeOf(key));
      const expected: Record<(typeof patterns)[number], string[]> = {
        'a.*': ['a.b'],
        'a.#': ['a', 'a.b', 'a.b.c'],
        '#': ['a', 'a.b', 'a.b.c', 'x.b', 'z.z.z'],
        '*.b': ['a.b', 'x.b'],
        'a.b.c': ['a.b.c'],
        '*': ['a'],
      };
      await h.until(() => patterns.every((p) => (boxes.get(p)?.messages.length ?? 0) >= expected[p].length), 'topic deliveries');
      await h.settle();
      const actual = Object.fromEntries(patterns.map((p) => [p, (boxes.get(p)?.labels() ?? []).sort()]));
      expect(actual).toEqual(expected);
    });

    it('unsubscribe stops delivery to that subscription only', async (test) => {
      const { h } = ctx;
      const broker = await broadcastBroker(h, test);
      const ex = h.exchange('unsub');
      const leaving = inbox();
      const staying = inbox();
      const subscription = await broker.subscribe(ex, '', leaving.handler);
      await broker.subscribe(ex, '', staying.handler);
      await broker.broadcast(ex, 'k', envelopeOf('one'));
      await h.until(() => leaving.messages.length >= 1 && staying.messages.length >= 1, 'first broadcast');
      await subscription.unsubscribe();
      await broker.broadcast(ex, 'k', envelopeOf('two'));
      await h.until(() => staying.messages.length >= 2, 'second broadcast');
      await h.settle();
      expect(leaving.labels()).toEqual(['one']);
      expect(staying.labels()).toEqual(['one', 'two']);
    });

    it('keeps exchanges apart', async (test) => {
      const { h } = ctx;
      const broker = await broadcastBroker(h, test);
      const ex1 = h.exchange('apart-1');
      const ex2 = h.exchange('apart-2');
      const one = inbox();
      const two = inbox();
      await broker.subscribe(ex1, '#', one.handler);
      await broker.subscribe(ex2, '#', two.handler);
      await broker.broadcast(ex2, 'k', envelopeOf('for-two'));
      await h.until(() => two.messages.length >= 1, 'broadcast on the second exchange');
      await h.settle();
      expect(one.messages).toHaveLength(0);
    });
  });
}
