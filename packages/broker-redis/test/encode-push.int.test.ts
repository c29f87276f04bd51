/** `encodePush`: the list and bytes `publish` would LPUSH, for callers that push in their own script (@celerity/beat). */
import { afterAll, describe, expect, it } from 'vitest';
import type { Delivery } from '@celerity/core';
import { ConfigurationError } from '@celerity/core';
import { deleteKeys } from '@celerity/testing';
import { createRedisBroker } from '../src/index.js';
import { REDIS_URL, bodyOf, envelope, inspector, randomPrefix, waitFor } from './helpers.js';

const redis = inspector();
const prefix = randomPrefix();
const broker = createRedisBroker({ url: REDIS_URL, keyPrefix: prefix, pollInterval: 0.2, parkEtaAfter: 60 });

afterAll(async () => {
  await broker.close();
  await deleteKeys(redis, `${prefix}*`);
  redis.disconnect();
});

describe('RedisBroker.encodePush', () => {
  it("names the prefixed priority list and kombu's bytes; pushed by someone else, they are consumed as a publish would be", async () => {
    await broker.connect();
    await broker.declareQueue('pushq');
    const plain = broker.encodePush({ queue: 'pushq' }, envelope({ n: 1 }, { task: 't', id: 'id-1' }));
    const high = broker.encodePush({ queue: 'pushq' }, envelope({ n: 2 }, { task: 't', id: 'id-2' }, { priority: 5 }));
    expect(plain.list).toBe(`${prefix}pushq`);
    expect(high.list).toBe(`${prefix}pushq\x06\x163`);
    const kombu = JSON.parse(plain.raw) as { headers: { id: string }; properties: { delivery_info: { routing_key: string } } };
    expect(kombu.headers.id).toBe('id-1');
    expect(kombu.properties.delivery_info.routing_key).toBe('pushq');
    expect(await broker.size('pushq')).toBe(0); // nothing pushed yet
    await redis.lpush(plain.list, plain.raw);
    await redis.lpush(high.list, high.raw);
    const got: Delivery[] = [];
    const consumer = await broker.consume(['pushq'], (d) => {
      got.push(d);
      void d.ack();
    });
    await waitFor(() => got.length === 2);
    await consumer.cancel();
    expect(got.map((d) => bodyOf(d.envelope)).sort((a, b) => (a as { n: number }).n - (b as { n: number }).n)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('refuses a message publish would park (eta past parkEtaAfter)', () => {
    const far = envelope({ n: 3 }, { task: 't', id: 'id-3', eta: new Date(Date.now() + 3_600_000).toISOString() });
    expect(() => broker.encodePush({ queue: 'pushq' }, far)).toThrow(ConfigurationError);
    const near = envelope({ n: 4 }, { task: 't', id: 'id-4', eta: new Date(Date.now() + 10_000).toISOString() });
    expect(broker.encodePush({ queue: 'pushq' }, near).list).toBe(`${prefix}pushq`);
  });
});
