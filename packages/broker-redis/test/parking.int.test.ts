/** Issue 12: far-future tasks parked in a zset (opt-in `parkEtaAfter`) and promoted onto their queue when due. */
import { describe, expect, it } from 'vitest';
import type { Delivery, Envelope } from '@celerity/core';
import { ConfigurationError } from '@celerity/core';
import { createRedisBroker } from '../src/index.js';
import { optionsFromSettings } from '../src/options.js';
import { bodyOf, brokerFixture, envelope, randomPrefix, waitFor } from './helpers.js';

const prefix = randomPrefix();
const { redis, broker } = brokerFixture(() => prefix, { restoreInterval: 0.2 });
const HOUR = 3_600_000;
const start = Date.parse('2026-12-06T12:00:00Z');

function withEta(body: string, eta: number | undefined): Envelope {
  return envelope(body, { task: 't', id: body, ...(eta === undefined ? {} : { eta: new Date(eta).toISOString() }) });
}

/** The JSON body of a raw kombu item. */
function bodyOfRaw(raw: string): unknown {
  return JSON.parse(Buffer.from((JSON.parse(raw) as { body: string }).body, 'base64').toString('utf8'));
}

describe('parking far-future tasks (parkEtaAfter)', () => {
  it('parks only messages whose ETA is further than parkEtaAfter, and promotes them half of it before their ETA, bytes unchanged', async () => {
    let now = start;
    const b = broker({ parkEtaAfter: 3600, now: () => now, generateId: () => 'tag-1' });
    await b.publish({ queue: 'q' }, withEta('far', start + 2 * HOUR));
    await b.publish({ queue: 'q' }, withEta('near', start + HOUR / 2));
    await b.publish({ queue: 'q' }, withEta('now', undefined));
    expect((await redis.lrange(`${prefix}q`, 0, -1)).map(bodyOfRaw)).toEqual(['now', 'near']);
    expect(await redis.zcard(`${prefix}_celerity.parked`)).toBe(1);

    now = start + 1.5 * HOUR - 1000; // not yet: promotion is at ETA - 30 min
    expect(await b.promoteParked()).toBe(0);
    now = start + 1.5 * HOUR;
    expect(await b.promoteParked()).toBe(1);
    expect(await redis.zcard(`${prefix}_celerity.parked`)).toBe(0);
    const raws = await redis.lrange(`${prefix}q`, 0, -1);
    expect(raws).toHaveLength(3);
    // The promoted item is exactly what a direct publish of the same message writes.
    const direct = broker({ keyPrefix: `${prefix}direct:`, generateId: () => 'tag-1' });
    await direct.publish({ queue: 'q' }, withEta('far', start + 2 * HOUR));
    expect(raws[0]).toBe(await redis.lindex(`${prefix}direct:q`, 0));
    await redis.del(`${prefix}direct:q`);
  });

  it('parks within publishMany, keeping the others in order on their lists', async () => {
    const now = start;
    const b = broker({ parkEtaAfter: 600, now: () => now });
    await b.publishMany([
      { target: { queue: 'q' }, envelope: withEta('a', undefined) },
      { target: { queue: 'q' }, envelope: withEta('far', start + HOUR) },
      { target: { queue: 'q' }, envelope: withEta('b', undefined) },
      { target: { queue: 'q' }, envelope: withEta('farther', start + 2 * HOUR) },
    ]);
    expect(await b.size('q')).toBe(2);
    // both parked in one ZADD, each under its own score
    const scores = (await redis.zrange(`${prefix}_celerity.parked`, '0', '-1', 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number);
    expect(scores).toHaveLength(2);
    expect(scores[1]! - scores[0]!).toBeGreaterThan(0);
  });

  it('a consumer\'s restore pass promotes what is due, and the message is delivered', async () => {
    const producer = broker({ parkEtaAfter: 60, now: () => start });
    await producer.publish({ queue: 'q' }, withEta('parked', start + HOUR));
    await producer.close();
    const consumer = broker({ now: () => start + HOUR }); // no parkEtaAfter needed to promote
    const got: Delivery[] = [];
    await consumer.consume(['q'], (d) => void got.push(d));
    await waitFor(() => got.length === 1, 10_000, 'the promoted message');
    expect(bodyOf(got[0]!.envelope)).toBe('parked');
    await got[0]!.ack();
  });

  it('sets aside a member it did not write instead of dropping it', async () => {
    const b = broker({ now: () => start });
    await redis.zadd(`${prefix}_celerity.parked`, 0, 'not a parked member');
    expect(await b.promoteParked()).toBe(1);
    expect(await redis.lrange(`${prefix}_celerity.dead._celerity.parked`, 0, -1)).toEqual(['not a parked member']);
  });

  it('refuses a parkEtaAfter under 60 s and reads park_eta_after from settings', () => {
    expect(() => createRedisBroker({ parkEtaAfter: 10 })).toThrow(ConfigurationError);
    expect(optionsFromSettings({ park_eta_after: 7200 })).toEqual({ parkEtaAfter: 7200 });
  });
});
