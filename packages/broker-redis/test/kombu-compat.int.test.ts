/**
 * What we write to Redis must be what kombu writes: same keys, same list items, same binding
 * members, same unacked entries — compared with the captured vectors byte for byte.
 */
import { describe, expect, it } from 'vitest';
import type { Delivery, Envelope, EnvelopeProperties } from '@celerity/core';
import { brokerFixture, randomPrefix, waitFor } from './helpers.js';
import { loadFixture, rawVectors, type RawVector } from './vectors.js';

let prefix: string;
const { redis, broker } = brokerFixture(() => prefix);

/** The envelope a Celerity client would hold for a captured message. */
function fromVector(fields: RawVector['envelope']): Envelope {
  const p = fields.properties;
  const properties: EnvelopeProperties = {};
  if (typeof p['correlation_id'] === 'string') properties.correlationId = p['correlation_id'];
  if (typeof p['reply_to'] === 'string') properties.replyTo = p['reply_to'];
  if (typeof p['priority'] === 'number') properties.priority = p['priority'];
  if (p['delivery_mode'] === 1 || p['delivery_mode'] === 2) properties.deliveryMode = p['delivery_mode'];
  if (typeof p['expiration'] === 'string') properties.expiration = p['expiration'];
  return { body: Buffer.from(fields.body, 'base64'), contentType: fields['content-type'], contentEncoding: fields['content-encoding'], headers: fields.headers, properties };
}

describe('kombu layout', () => {
  it('stores a published task exactly as kombu did (LRANGE), and declares the kombu binding', async () => {
    prefix = randomPrefix();
    const vector = rawVectors().find((v) => v.file === 'task_apply_async_json.json');
    expect(vector).toBeDefined();
    const b = broker({ generateId: () => vector!.envelope.properties.delivery_tag });
    await b.declareQueue('celery');
    await b.publish({ queue: 'celery' }, fromVector(vector!.envelope));
    expect(await redis.lrange(`${prefix}celery`, 0, -1)).toEqual([vector!.raw]);
    const data = loadFixture('task_apply_async_json.json') as { binding_sets_present_after_publish: Record<string, { members_b64: string[] }> };
    const expected = data.binding_sets_present_after_publish['_kombu.binding.celery']!.members_b64.map((m) => Buffer.from(m, 'base64'));
    expect(await redis.smembersBuffer(`${prefix}_kombu.binding.celery`)).toEqual(expected);
  });

  it('uses the same priority sub-lists as kombu for every captured priority', async () => {
    prefix = randomPrefix();
    const vectors = rawVectors().filter((v) => v.file === 'task_priorities.json');
    expect(vectors.length).toBe(5);
    const tags = vectors.map((v) => v.envelope.properties.delivery_tag);
    const b = broker({ generateId: () => tags.shift() ?? 'x' });
    await b.publishMany(vectors.map((v) => ({ target: { queue: 'celery' }, envelope: fromVector(v.envelope) })));
    for (const v of vectors) {
      expect(await redis.lrange(`${prefix}${v.listKey!}`, 0, -1)).toContain(v.raw);
    }
  });

  it('consumes messages written by kombu and writes the same unacked entry kombu does', async () => {
    prefix = randomPrefix();
    const entry = loadFixture('unacked_hash_entry.json') as { hset: { field: string; value: string } };
    // The captured value is `[<raw envelope>, "", "celery"]`; push that raw envelope as kombu would have.
    const suffix = ', "", "celery"]';
    expect(entry.hset.value.endsWith(suffix)).toBe(true);
    const raw = entry.hset.value.slice(1, -suffix.length);
    await redis.lpush(`${prefix}celery`, raw);
    const clock = 1795459710.4227147 * 1000;
    const b = broker({ now: () => clock });
    const deliveries: Delivery[] = [];
    await b.consume(['celery'], (d) => void deliveries.push(d));
    await waitFor(() => deliveries.length === 1);
    expect(deliveries[0]!.deliveryTag).toBe(entry.hset.field);
    expect(await redis.hget(`${prefix}unacked`, entry.hset.field)).toBe(entry.hset.value);
    expect(Number(await redis.zscore(`${prefix}unacked_index`, entry.hset.field))).toBeCloseTo(clock / 1000, 3);
    await deliveries[0]!.ack();
    expect(await redis.hlen(`${prefix}unacked`)).toBe(0);
  });

  it('decodes every captured task message pushed by kombu', async () => {
    prefix = randomPrefix();
    const tasks = rawVectors().filter((v) => v.listKey !== undefined);
    expect(tasks.length).toBeGreaterThan(20);
    for (const v of tasks) await redis.lpush(`${prefix}${v.listKey!.replace(/^[^\x06]*/, 'q')}`, v.raw);
    const b = broker();
    const deliveries: Delivery[] = [];
    await b.consume(['q'], (d) => {
      deliveries.push(d);
      void d.ack();
    }, { prefetch: 100 });
    await waitFor(() => deliveries.length === tasks.length);
    const byTag = new Map(tasks.map((v) => [v.envelope.properties.delivery_tag, v]));
    for (const d of deliveries) {
      const v = byTag.get(d.deliveryTag);
      expect(v).toBeDefined();
      expect(Buffer.from(d.envelope.body).toString('base64')).toBe(v!.envelope.body);
      expect(d.envelope.headers).toEqual(v!.envelope.headers);
    }
  });

  it('restores like kombu ≥ 5.4: redelivered marks, priority sub-list, RPUSH', async () => {
    prefix = randomPrefix();
    const vector = rawVectors().find((v) => v.file === 'task_restored_redelivered.json');
    const original = JSON.parse(vector!.raw) as { headers: Record<string, unknown>; properties: { delivery_info: Record<string, unknown>; priority: number } };
    delete original.headers['redelivered'];
    delete original.properties.delivery_info['redelivered'];
    original.properties.priority = 6;
    const b = broker({ generateId: () => vector!.envelope.properties.delivery_tag });
    // Publish through the broker (priority 6 → sub-list 6), take it, then close without acking.
    const { headers, properties } = original;
    await b.publish({ queue: 'celery' }, { ...fromVector(vector!.envelope), headers, properties: { ...fromVector(vector!.envelope).properties, priority: properties.priority } });
    const deliveries: Delivery[] = [];
    await b.consume(['celery'], (d) => void deliveries.push(d));
    await waitFor(() => deliveries.length === 1);
    await b.close();
    const restored = await redis.lrange(`${prefix}celery\x06\x166`, 0, -1);
    const expected = vector!.raw.replace('"priority": 0', '"priority": 6');
    expect(restored).toEqual([expected]);
  });

  it('takes envelopes in other layouts too (compact JSON, properties first, a nested delivery_tag)', async () => {
    prefix = randomPrefix();
    const body = Buffer.from('[[1], {}, {}]').toString('base64');
    const compact = JSON.stringify({ body, 'content-encoding': 'utf-8', 'content-type': 'application/json', headers: { task: 't', id: 'c', meta: { delivery_tag: 'nested' } }, properties: { delivery_tag: 'tag-compact', body_encoding: 'base64', delivery_info: { exchange: '', routing_key: 'q' } } });
    const reordered = JSON.stringify({ properties: { delivery_tag: 'tag-reordered', body_encoding: 'base64' }, body, 'content-type': 'application/json', headers: { padding: 'x'.repeat(400) } }, null, 1);
    await redis.lpush(`${prefix}q`, compact, reordered);
    const b = broker();
    const deliveries: Delivery[] = [];
    await b.consume(['q'], (d) => void deliveries.push(d), { prefetch: 10 });
    await waitFor(() => deliveries.length === 2);
    expect(deliveries.map((d) => d.deliveryTag)).toEqual(['tag-compact', 'tag-reordered']);
    expect((await redis.hkeys(`${prefix}unacked`)).sort()).toEqual(['tag-compact', 'tag-reordered']);
    await Promise.all(deliveries.map((d) => d.ack()));
    expect(await redis.hlen(`${prefix}unacked`)).toBe(0);
  });

  it('binds a reply queue the way a kombu pidbox client does, and deletes it like kombu', async () => {
    prefix = randomPrefix();
    const control = loadFixture('control_ping_inspect_with_replies.json') as { items: Array<{ command: string; args?: string[] }> };
    const sadd = control.items.find((i) => i.command === 'SADD')!.args!;
    const [, bindingKey, member] = sadd as [string, string, string];
    const oid = member.split('\x06\x16')[0]!;
    const b = broker();
    await b.bindQueue(`${oid}.reply.celery.pidbox`, 'reply.celery.pidbox', oid);
    expect(await redis.smembers(`${prefix}${bindingKey}`)).toEqual([member]);
    await b.unbindQueue(`${oid}.reply.celery.pidbox`, 'reply.celery.pidbox', oid);
    expect(await redis.exists(`${prefix}${bindingKey}`)).toBe(0);

    await b.declareQueue('tmp');
    const sample = fromVector(rawVectors()[0]!.envelope);
    for (const priority of [0, 3, 6, 9, 9]) await b.publish({ queue: 'tmp' }, { ...sample, properties: { priority } });
    expect(await b.size('tmp')).toBe(5);
    expect(await redis.llen(`${prefix}tmp\x06\x169`)).toBe(2);
    await b.deleteQueue('tmp');
    expect(await b.size('tmp')).toBe(0);
    expect(await redis.exists(`${prefix}_kombu.binding.tmp`)).toBe(0);
  });
});
