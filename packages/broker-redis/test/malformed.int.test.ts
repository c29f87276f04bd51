/** Items that are not valid envelopes are set aside, reported, and never block the queue. */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Redis } from 'ioredis';
import type { Delivery, Logger, MalformedDelivery } from '@celerity/core';
import { DecodeError } from '@celerity/core';
import { createRedisBroker, type RedisBroker } from '../src/index.js';
import { deleteKeys } from '@celerity/testing';
import { REDIS_URL, bodyOf, envelope, inspector, randomPrefix, waitFor } from './helpers.js';

let redis: Redis;
let prefix: string;
let b: RedisBroker | undefined;

beforeAll(() => {
  redis = inspector();
});
afterEach(async () => {
  await b?.close();
  await deleteKeys(redis, `${prefix}*`);
});
afterAll(async () => {
  await redis.quit();
});

const props = { delivery_mode: 2, delivery_info: { exchange: '', routing_key: 'q' }, priority: 0, body_encoding: 'base64' };

describe('malformed items', () => {
  it('moves garbage to the dead list, reports it, and keeps delivering good messages', async () => {
    prefix = randomPrefix();
    const garbageBytes = randomBytes(64);
    garbageBytes[0] = 0xff; // never valid JSON or UTF-8 text
    const garbage: Array<string | Buffer> = [
      'this is not json',
      JSON.stringify({ 'content-type': 'application/json', headers: {}, properties: { ...props, delivery_tag: 'no-body' } }),
      JSON.stringify({ body: '%%% not base64 %%%', 'content-type': 'application/json', headers: {}, properties: { ...props, delivery_tag: 'bad-b64' } }),
      JSON.stringify({ body: 'W10=', headers: {}, properties: { ...props, delivery_tag: 'no-ctype' } }),
      Buffer.from(randomBytes(48).toString('base64')),
      garbageBytes,
    ];
    const warn = vi.fn();
    const logger: Logger = { debug() {}, info() {}, warn, error() {} };
    b = createRedisBroker({ url: REDIS_URL, keyPrefix: prefix, pollInterval: 0.2, logger });
    await b.publish({ queue: 'q' }, envelope('before'));
    for (const item of garbage) await redis.lpush(`${prefix}q`, item);
    await b.publish({ queue: 'q' }, envelope('after'));

    const malformed: MalformedDelivery[] = [];
    const good: Delivery[] = [];
    await b.consume(['q'], (d) => {
      good.push(d);
      void d.ack();
    }, { prefetch: 1, onMalformed: (m) => void malformed.push(m) });
    await waitFor(() => good.length === 2 && malformed.length === garbage.length);

    expect(good.map((d) => bodyOf(d.envelope))).toEqual(['before', 'after']);
    const dead = b.deadLetterKey('q');
    expect(dead).toBe(`${prefix}_celerity.dead.q`);
    const deadItems = await redis.lrangeBuffer(dead, 0, -1);
    const asHex = (items: Array<string | Buffer | Uint8Array>): string[] => items.map((i) => Buffer.from(i).toString('hex')).sort();
    expect(asHex(deadItems)).toEqual(asHex(garbage));
    expect(asHex(malformed.map((m) => m.raw))).toEqual(asHex(garbage));
    for (const m of malformed) {
      expect(m.queue).toBe('q');
      expect(m.setAsideAt).toBe(dead);
      expect(m.error).toBeInstanceOf(DecodeError);
    }
    expect(warn).toHaveBeenCalledTimes(garbage.length);
    await waitFor(async () => (await redis.hlen(`${prefix}unacked`)) === 0);
    expect(await redis.zcard(`${prefix}unacked_index`)).toBe(0);
    expect(await b.size('q')).toBe(0);

    // The same list is the queue's dead-letter queue: the items are listed as malformed, raw, and
    // stay put on a replay (there is no message to send).
    const entries = await b.deadLetters.list('q');
    expect(entries).toHaveLength(garbage.length);
    for (const entry of entries) expect(entry).toMatchObject({ queue: 'q', reason: 'malformed', envelope: null, deadAt: null });
    expect(asHex(entries.map((e) => e.raw as Uint8Array))).toEqual(asHex(garbage));
    expect((await b.deadLetters.get('q', entries[2]!.id))?.raw).toEqual(entries[2]!.raw);
    expect(await b.deadLetters.replay('q', { all: true })).toBe(0);
    expect(await b.deadLetters.count('q')).toBe(garbage.length);
  });
});
