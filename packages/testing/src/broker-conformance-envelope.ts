/**
 * Broker conformance, part two: envelopes survive the trip byte for byte and value for value,
 * stored messages cannot be changed through a publisher's or consumer's object, and lifecycle rules.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Delivery, Envelope } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import type { BrokerHarness } from './broker-harness.js';
import { collector, envelopeOf, label } from './broker-harness.js';
import { randomSuffix } from './helpers.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Headers exercising every JSON / AMQP-table shape Celery sends. */
function richHeaders(id: string): Record<string, unknown> {
  return {
    lang: 'py',
    task: 'tasks.unicode',
    id,
    text: 'héllo ✓ 日本語 🎉',
    'ключ': 'значение',
    nested: { list: [1, 'two', 3.5, null, true, false, { deep: ['x'] }], empty: {}, emptyList: [] },
    nothing: null,
    yes: true,
    no: false,
    float: 3.25,
    negative: -42,
    zero: 0,
    big: 2 ** 40,
    emptyString: '',
  };
}

async function roundTrip(h: BrokerHarness, queue: string, envelopes: Envelope[]): Promise<Delivery[]> {
  const broker = await h.broker();
  await broker.declareQueue(queue);
  for (const envelope of envelopes) await broker.publish({ queue }, envelope);
  const got = collector();
  await broker.consume([queue], got.handler, { prefetch: envelopes.length });
  await h.until(() => got.items.length >= envelopes.length, `${envelopes.length} deliveries`);
  return got.items;
}

/** Registers the envelope-fidelity and lifecycle tests. */
export function registerEnvelopeTests(ctx: { h: BrokerHarness }): void {
  describe('envelope fidelity', () => {
    it('keeps binary bodies, content type, rich headers and properties', async () => {
      const { h } = ctx;
      const id = randomUUID();
      const body = Uint8Array.from({ length: 256 }, (_, i) => i);
      const headers = richHeaders(id);
      const properties = { correlationId: id, replyTo: `reply-${randomSuffix()}`, priority: 3, deliveryMode: 2 as const, expiration: '60000' };
      const [d] = await roundTrip(h, h.queue('fidelity'), [
        { body, contentType: 'application/x-msgpack', contentEncoding: 'binary', headers, properties },
      ]);
      if (!d) throw new Error('no delivery');
      expect(d.envelope.contentType).toBe('application/x-msgpack');
      expect(d.envelope.contentEncoding).toBe('binary');
      expect(Array.from(d.envelope.body)).toEqual(Array.from(body));
      expect(d.envelope.headers).toEqual(headers);
      expect(d.envelope.properties).toMatchObject(properties);
      await d.ack();
    });

    it('keeps an empty body and empty headers', async () => {
      const { h } = ctx;
      const [d] = await roundTrip(h, h.queue('empty'), [
        { body: new Uint8Array(0), contentType: 'application/json', contentEncoding: 'utf-8', headers: {}, properties: {} },
      ]);
      expect(d?.envelope.body.byteLength).toBe(0);
      expect(d?.envelope.headers).toEqual({});
      await d?.ack();
    });

    it('round-trips a large body', async (test) => {
      const { h } = ctx;
      if (h.options.largeBodyBytes <= 0) return test.skip();
      const body = new Uint8Array(randomBytes(h.options.largeBodyBytes));
      const [d] = await roundTrip(h, h.queue('large'), [
        { body, contentType: 'application/octet-stream', contentEncoding: 'binary', headers: { size: body.byteLength }, properties: {} },
      ]);
      expect(d?.envelope.body.byteLength).toBe(body.byteLength);
      expect(sha256(d?.envelope.body ?? new Uint8Array(0))).toBe(sha256(body));
      await d?.ack();
    });

    it('stored messages are not changed by mutating the published or delivered objects', async () => {
      const { h } = ctx;
      const broker = await h.broker();
      const q = h.queue('isolation');
      await broker.declareQueue(q);
      const original = envelopeOf('pristine', { headers: { tag: 'original', list: [1, 2] }, properties: { correlationId: 'c-1' } });
      await broker.publish({ queue: q }, original);
      original.body[0] = 0x21;
      original.headers['tag'] = 'publisher-changed';
      original.properties.correlationId = 'publisher-changed';
      const got = collector();
      await broker.consume([q], got.handler);
      await h.until(() => got.items.length >= 1, 'delivery');
      const first = got.items[0] as Delivery;
      expect(label(first)).toBe('pristine');
      expect(first.envelope.headers).toEqual({ tag: 'original', list: [1, 2] });
      expect(first.envelope.properties.correlationId).toBe('c-1');
      first.envelope.body[0] = 0x21;
      first.envelope.headers['tag'] = 'consumer-changed';
      (first.envelope.headers['list'] as number[]).push(3);
      await first.reject({ requeue: true });
      await h.until(() => got.items.length >= 2, 'redelivery');
      const second = got.items[1] as Delivery;
      expect(label(second)).toBe('pristine');
      // A transport may mark a redelivery in the headers (kombu's Redis restore adds `redelivered`).
      expect(second.envelope.headers['tag']).toBe('original');
      expect(second.envelope.headers['list']).toEqual([1, 2]);
      await second.ack();
    });
  });

  describe('lifecycle', () => {
    it('close is idempotent and later operations fail with a CLOSED error', async () => {
      const { h } = ctx;
      const broker = await h.broker();
      const q = h.queue('closed');
      await broker.close();
      await broker.close();
      await expect(broker.publish({ queue: q }, envelopeOf('late'))).rejects.toMatchObject({ code: 'CLOSED' });
    });

    it('Symbol.asyncDispose closes the broker', async () => {
      const { h } = ctx;
      const broker = await h.broker();
      await broker[Symbol.asyncDispose]();
      await expect(broker.publish({ queue: h.queue('disposed') }, envelopeOf('late'))).rejects.toMatchObject({ code: 'CLOSED' });
    });
  });
}
